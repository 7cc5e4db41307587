"""What a campaign's organiser may be told: counts and shares, suppressed below the threshold.

Every figure the campaign page shows goes through :func:`campaign_figures`.
It applies the shared statistical-secrecy rules of :mod:`planner.privacy`
(at least ten households, and no (2, 85) dominance of a sum: French
statistical secrecy for local energy data, décret 2020-196; see DESIGN.md).
A suppressed figure is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.privacy import DEFAULT_RULES, check_secrecy
from planner.store import Contributions

__all__ = ["MIN_HOUSEHOLDS", "CampaignFigures", "campaign_figures"]

MIN_HOUSEHOLDS = DEFAULT_RULES.min_contributors


@dataclass(frozen=True)
class CampaignFigures:
    """The campaign's figures as they may be published.

    Attributes
    ----------
    households : int or None
        Households who joined; None while fewer than ``MIN_HOUSEHOLDS``.
    missing : int
        How many more households are needed before anything is published (0 once it is).
    coverage : float or None
        Mean share of the stored period that the curves cover [0-1].
    measured_share : float or None
        Share of the area's estimated consumption that is now measured [0-1].
    """

    households: int | None
    missing: int
    coverage: float | None
    measured_share: float | None


def _publishable(values: tuple[float, ...]) -> bool:
    """Return True if a sum of ``values`` may be published (count and dominance rules)."""
    return sum(values) > 0 and check_secrecy(list(values), DEFAULT_RULES).published


def campaign_figures(joined: Contributions) -> CampaignFigures:
    """Return what may be published about a campaign's households, and what is missing."""
    if joined.households < MIN_HOUSEHOLDS:
        return CampaignFigures(None, MIN_HOUSEHOLDS - joined.households, None, None)
    coverage = (
        sum(joined.coverage) / len(joined.coverage) if _publishable(joined.coverage) else None
    )
    share = (
        min(1.0, sum(joined.annual_kwh) / joined.area_kwh)
        if _publishable(joined.annual_kwh) and joined.area_kwh > 0
        else None
    )
    return CampaignFigures(joined.households, 0, coverage, share)
