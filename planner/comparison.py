"""Compare one household with its neighbourhood, without revealing a neighbour.

The resident's own figures are never suppressed in their own view: they are
theirs. The neighbourhood side is the median and the quartiles of the other
households who share (:mod:`planner.privacy`), published only under the
secrecy rules; below them the comparison says how many more households are
needed.

The neighbourhood excludes the resident. Including them would change nothing
in secrecy terms (they know their own curve) but would make the comparison
circular: a resident far from everyone would pull the median towards
themselves, and with 10 households one of them would be a tenth of the
reference they are compared with. So ``others`` is the neighbourhood minus the
resident, and the count checked against the threshold is the count of others.

A resident's successive views are releases too: if the neighbourhood shown to
them moved by one household between two visits, they could difference the two.
Given the project's :class:`planner.privacy.ReleaseLog`, the neighbourhood side
is shown only when the others are exactly a published snapshot (minus the
resident, whom they know) or differ from every published snapshot by at least
``min_change`` households; otherwise it is suppressed with ``"too_close"``
until :func:`planner.privacy.publish` accepts a new snapshot. A resident whose
own curve changed since the last release waits for the next one as well (their
old curve is in the log under a digest that can no longer be told apart).

All curves should cover the same period (for example the typical year of
:func:`planner.profile.to_typical_year`): a year is compared with a year.

Where the resident stands is a band, not a rank: below the first quartile,
between it and the median, between the median and the third quartile, or above
it. The band follows from the resident's own year and the published quartiles
alone, so it tells them nothing the published figures did not; an exact rank
("3rd of 11") would, over successive releases, tell them where each newcomer
lies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.load_shapes import SEASONS
from planner.privacy import (
    DEFAULT_RULES,
    Aggregate,
    Publication,
    ReleaseLog,
    SecrecyRules,
    SecrecyVerdict,
    contributor_digests,
    monthly_kwh,
    neighbourhood_annual,
    neighbourhood_monthly,
    neighbourhood_typical_day,
    release_verdict,
    typical_day_kwh,
)
from quartier_solaire.i18n import DEFAULT_LANGUAGE, t

BANDS: tuple[str, ...] = ("lowest_25", "below_median", "above_median", "highest_25")
# Within this relative gap to the median [-], the resident consumes "about as much".
SAME_WITHIN = 0.05


@dataclass(frozen=True)
class Comparison:
    """One household beside its neighbourhood.

    Attributes
    ----------
    own_annual_kwh : float
        The resident's energy over the period [kWh].
    own_monthly_kwh : pandas.Series
        The resident's energy per month [kWh], months 1-12.
    own_typical_day_kwh : pandas.Series
        The resident's mean energy per hour of day [kWh], hours 0-23.
    annual, monthly, typical_day : Aggregate
        The other households' quartiles, or their suppression.
    band : str or None
        Where the resident stands (one of :data:`BANDS`); None when suppressed.
    gap : float or None
        Relative gap of the resident's year to the median [-] (-0.18: 18 % less).
    season : str or None
        Season of the month where the gap, in the same direction, is largest,
        if that month's gap exceeds the year's by more than 5 points.
    """

    own_annual_kwh: float
    own_monthly_kwh: pd.Series
    own_typical_day_kwh: pd.Series
    annual: Aggregate
    monthly: Aggregate
    typical_day: Aggregate
    band: str | None
    gap: float | None
    season: str | None

    @property
    def published(self) -> bool:
        """True when the neighbourhood's year may be shown beside the resident's."""
        return self.annual.published

    @property
    def verdict(self) -> SecrecyVerdict:
        """Why the neighbourhood's year is shown or not."""
        return self.annual.verdict


def compare_household(
    own: pd.Series,
    others: pd.DataFrame,
    rules: SecrecyRules = DEFAULT_RULES,
    log: ReleaseLog | None = None,
) -> Comparison:
    """Compare a household's curve with the other households who share.

    Parameters
    ----------
    own : pandas.Series
        The resident's energy per step [kWh], tz-aware index. If its name is a
        column of ``others``, that column is left out (see module).
    others : pandas.DataFrame
        The other households' curves, time × pseudonym [kWh per step].
    rules : SecrecyRules
    log : ReleaseLog, optional
        The project's published snapshots; with it, the neighbourhood side is
        checked for differencing against them (see module). Not modified.
    """
    if own.name is not None and own.name in others.columns:
        others = others.drop(columns=own.name)
    annual = neighbourhood_annual(others, rules)
    monthly = neighbourhood_monthly(others, rules)
    typical_day = neighbourhood_typical_day(others, rules)
    if log is not None and annual.published:
        verdict = _release_verdict(own, others, rules, log)
        if not verdict.published:
            annual = monthly = typical_day = Aggregate(None, verdict)
    return _compared(own, annual, monthly, typical_day)


def compare_with_publication(own: pd.Series, publication: Publication) -> Comparison:
    """Compare a household's curve with an earlier accepted release of its neighbourhood.

    For a page that shows the last accepted :class:`planner.privacy.Publication`
    while a newer snapshot is refused (``"too_close"``). That release may count
    the resident among its households: the caller shows it only when it holds
    enough households besides them.
    """
    return _compared(own, publication.annual, publication.monthly, publication.typical_day)


def _compared(
    own: pd.Series, annual: Aggregate, monthly: Aggregate, typical_day: Aggregate
) -> Comparison:
    own_year = float(own.sum())
    own_months = monthly_kwh(own.to_frame("own"))["own"]
    own_day = typical_day_kwh(own.to_frame("own"))["own"]
    band = gap = season = None
    if annual.published:
        q1, median, q3 = annual.table.loc["year"]
        band = _band(own_year, q1, median, q3)
        gap = own_year / median - 1 if median > 0 else None
    if gap is not None and monthly.published and abs(gap) >= SAME_WITHIN:
        season = _season_of_largest_gap(own_months, monthly.table["median"], gap)
    return Comparison(
        own_annual_kwh=own_year,
        own_monthly_kwh=own_months,
        own_typical_day_kwh=own_day,
        annual=annual,
        monthly=monthly,
        typical_day=typical_day,
        band=band,
        gap=gap,
        season=season,
    )


def _release_verdict(
    own: pd.Series, others: pd.DataFrame, rules: SecrecyRules, log: ReleaseLog
) -> SecrecyVerdict:
    # The resident knows their own curve: leave it out of the earlier releases.
    mine = contributor_digests(own.to_frame(own.name), log.salt)
    others_digests = contributor_digests(others, log.salt)
    return release_verdict(others_digests, log, rules, known=mine)[0]


def _band(own: float, q1: float, median: float, q3: float) -> str:
    if own < q1:
        return "lowest_25"
    if own < median:
        return "below_median"
    if own <= q3:
        return "above_median"
    return "highest_25"


def _season_of_largest_gap(own: pd.Series, median: pd.Series, gap: float) -> str | None:
    # The month whose relative gap is largest in the direction of the year's gap,
    # named only if it stands out from the year's gap: otherwise "especially"
    # would point at rounding noise.
    ratio = (own / median.where(median > 0)).reindex(median.index) - 1
    signed = ratio * np.sign(gap)
    if not (signed > abs(gap) + SAME_WITHIN).any():
        return None
    month = int(signed.idxmax())
    return next(name for name, months in SEASONS.items() if month in months)


def comparison_sentences(comparison: Comparison, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return what the comparison says, in ``lang``: the gap and the band, or why not."""
    return [t(key, lang, **params) for key, params in comparison_messages(comparison)]


def comparison_messages(comparison: Comparison) -> list[tuple[str, dict]]:
    """Return the catalogue keys and parameters of :func:`comparison_sentences`."""
    if not comparison.published:
        return [suppression_message(comparison.verdict)]
    out = []
    gap = comparison.gap
    if gap is not None:
        if abs(gap) < SAME_WITHIN:
            out.append(("privacy.compare.same", {}))
        else:
            key = "privacy.compare.less" if gap < 0 else "privacy.compare.more"
            when = f".{comparison.season}" if comparison.season else ""
            out.append((key + when, {"percent": round(abs(gap) * 100)}))
    out.append((f"privacy.band.{comparison.band}", {}))
    return out


def suppression_message(verdict: SecrecyVerdict) -> tuple[str, dict]:
    """Return the catalogue key and parameters saying why an aggregate is not shown."""
    if verdict.reason == "dominated":
        return "privacy.suppressed.dominated", {}
    plural = "one" if verdict.missing == 1 else "many"
    return f"privacy.suppressed.{verdict.reason}.{plural}", {"missing": verdict.missing}
