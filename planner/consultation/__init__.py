"""Consultations: residents give their opinion on candidate sites, once each, safely.

Plain Python over the store (:mod:`planner.store`), no Streamlit. A city or a
cooperative creates a consultation on candidate sites with their simulated
figures; residents give one opinion per site, which they may change while it
is open; comments are text, reportable and moderated; secret ballots keep
opinions apart from identity; results are published without exposing anyone.
Every refusal is a :class:`planner.store.StoreError` (catalogue ``problem.<code>``).
"""

from planner.consultation.candidates import HOUSEHOLD_KWH, candidate_sites
from planner.consultation.config import STANCES, TAGS, ConsultationConfig
from planner.consultation.demo import seed_demo_consultation
from planner.consultation.moderation import moderate, moderation_queue, report_comment
from planner.consultation.records import (
    CandidateSite,
    CommentRecord,
    ConsultationRecord,
    OpinionRecord,
    SiteRecord,
)
from planner.consultation.results import (
    ConsultationResults,
    SiteTally,
    export_csv,
    export_geojson,
    results,
)
from planner.consultation.safety import csv_safe, escape_for_html, escape_for_markdown
from planner.consultation.secrecy import ballot_key, seal_ballots, voter_token, withdraw_ballots
from planner.consultation.service import (
    close_consultation,
    create_consultation,
    get_consultation,
    list_consultations,
    my_opinion,
    submit_opinion,
)

__all__ = [
    "HOUSEHOLD_KWH",
    "STANCES",
    "TAGS",
    "CandidateSite",
    "CommentRecord",
    "ConsultationConfig",
    "ConsultationRecord",
    "ConsultationResults",
    "OpinionRecord",
    "SiteRecord",
    "SiteTally",
    "ballot_key",
    "candidate_sites",
    "close_consultation",
    "create_consultation",
    "csv_safe",
    "escape_for_html",
    "escape_for_markdown",
    "export_csv",
    "export_geojson",
    "get_consultation",
    "list_consultations",
    "moderate",
    "moderation_queue",
    "my_opinion",
    "report_comment",
    "results",
    "seal_ballots",
    "seed_demo_consultation",
    "submit_opinion",
    "voter_token",
    "withdraw_ballots",
]
