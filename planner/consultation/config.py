"""The tunable figures of consultations, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from planner.privacy import DEFAULT_RULES
from planner.store.consultation_models import STANCES

TAGS: tuple[str, ...] = ("visual_impact", "heritage", "cost", "roof_condition", "other")
__all__ = ["STANCES", "TAGS", "ConsultationConfig"]


@dataclass(frozen=True)
class ConsultationConfig:
    """Thresholds of a consultation; every one can be changed by the caller.

    Parameters
    ----------
    max_comment_chars : int
        Longest comment [characters].
    reports_to_hide : int
        Reports after which a comment is hidden until a moderator decides
        (Decidim hides at 3).
    min_opinions : int
        Opinions a site needs before its results are shown while the
        consultation is open (French statistical secrecy: 10 contributors).
    min_count : int
        Smallest count published in results; smaller ones show as "not enough".
    per_account : int
        Submissions one account may make within ``window``.
    per_session : int
        Submissions one browser session may make within ``window``.
    window : timedelta
        Sliding window over which submissions are counted.
    """

    max_comment_chars: int = 1000
    reports_to_hide: int = 3
    min_opinions: int = 10
    min_count: int = DEFAULT_RULES.min_contributors
    per_account: int = 30
    per_session: int = 60
    window: timedelta = timedelta(minutes=10)
