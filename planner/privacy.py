"""Statistical secrecy for the aggregates shown outside a household's own view.

Primary suppression
    An aggregate is published only when at least 10 households contribute to
    it, and not when one or two of them dominate it: the top 2 contributors must
    not exceed 85 % of the total (the (2, 85) dominance rule). These are the
    thresholds of French statistical secrecy for local energy data as
    DESIGN.md, "Privacy thresholds used by trusted publishers", records them
    (décret n° 2020-196 du 4 mars 2020, which amended articles D. 111-52 and
    following of the Code de l'énergie and set the residential sector apart
    for the publication of local energy data). A suppressed
    aggregate is ``None`` with its reason and the number of households still
    missing, never 0: a page says "not enough households yet".

Which numbers are published
    Only order statistics across households: the median and the quartiles of
    each household's annual, monthly and typical-day energy, rounded (10 kWh
    for a year, 1 kWh for a month, 0.01 kWh for an hour). Never a sum or a mean
    across households: a neighbourhood total before and after one household
    joins gives that household's total by subtraction, exactly. Medians alone
    are not enough either: when a newcomer makes the count odd and its value
    falls between the two middle ones, the new median IS its value (rounding
    hides ±5 kWh, no more). Hence the release control below, which the tests
    show stopping exactly this attack.

    For medians and quartiles the dominance rule is applied to the magnitudes
    the statistic is computed from, cell by cell: the annual totals for the
    year, each month's totals for the months, each hour's mean for the typical
    day. If any cell fails, the whole aggregate is suppressed, so that a chart
    is never shown with holes that could be filled from its neighbours.

Differencing between releases (secondary protection)
    Thresholds on each aggregate alone do not stop differencing: two published
    aggregates whose populations differ by one household reveal that household
    (Hundepool et al., *Handbook on Statistical Disclosure Control*, 2nd ed.,
    2024, on differencing of overlapping or nested tables; INSEE's ``diffman``
    package detects it for nested geographies; AWS Clean Rooms documents that
    minimum-aggregation thresholds "do not address differencing attacks").
    Noise (differential privacy) would need a privacy budget that a
    neighbourhood page consulted for years cannot keep, and its noisy figures
    would confuse residents; so releases are controlled instead.

    Aggregates are published for a population snapshot: :func:`publish` keeps
    a :class:`ReleaseLog` of the contributor sets it has published, and refuses
    a new release whose contributor set differs from ANY earlier one by fewer
    than ``min_change`` households (joined, withdrawn or whose curve changed):
    the reason is ``"too_close"``. A re-release of the very same snapshot is
    allowed (it reveals nothing new). Comparing against every earlier release,
    not only the last, also guards nested areas (a street inside a
    neighbourhood) when they share one log: keep one log per project or city.
    The caller shows the last accepted publication meanwhile.

    What remains: a guarantee for groups, not a proof for every statistic.
    Between two accepted releases at least ``min_change`` households changed,
    so whatever the differences of the quartiles say is shared among them (a
    median of 13 may be one of three newcomers' years, but not which one).
    Raise ``min_change`` where that is too little; the cost is fewer updates.

    The log holds no pseudonym and no value: each contributor is a salted
    SHA-256 digest of its pseudonym and its curve, so that a changed curve
    counts as a change, and once a household has withdrawn nothing in the log
    can be linked back to it. The log is plain data (:meth:`ReleaseLog.to_dict`
    / :meth:`ReleaseLog.from_dict`) for the storage layer to persist.

The frame of household curves has a tz-aware time index and one column per
pseudonym, energy per step [kWh]; a column with no finite value does not
contribute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

QUARTILES: tuple[str, ...] = ("q1", "median", "q3")
_PROBS = (0.25, 0.5, 0.75)
# Decimals of published values [kWh]: tens of kWh a year, kWh a month, 0.01 kWh an
# hour; no more precision than a resident can use.
YEAR_DECIMALS = -1
MONTH_DECIMALS = 0
HOUR_DECIMALS = 2


@dataclass(frozen=True)
class SecrecyRules:
    """Thresholds of statistical secrecy.

    Attributes
    ----------
    min_contributors : int
        Fewest households an aggregate may be computed from [-] (décret 2020-196).
    dominance_top : int
        How many of the largest contributors the dominance rule adds up [-].
    dominance_share : float
        Share of the total they may not exceed [-].
    min_change : int
        Fewest households by which a new release must differ from every
        earlier one (differencing) [-].
    """

    min_contributors: int = 10
    dominance_top: int = 2
    dominance_share: float = 0.85
    min_change: int = 3


DEFAULT_RULES = SecrecyRules()


@dataclass(frozen=True)
class SecrecyVerdict:
    """Whether an aggregate may be published, and if not why.

    ``reason`` is ``None`` when published, otherwise ``"too_few"`` (fewer
    contributors than the minimum), ``"dominated"`` (the top contributors
    exceed the share) or ``"too_close"`` (too few households changed since an
    earlier release). ``missing`` is how many more households are needed
    (0 when that is not the remedy: a dominated aggregate).
    """

    published: bool
    reason: str | None
    missing: int
    contributors: int


def publishable_count(count: int, threshold: int = DEFAULT_RULES.min_contributors) -> int | None:
    """Return ``count`` if it may be published, None ("not enough") below ``threshold``.

    The one rule for a published head count (households in a campaign, opinions
    on a site): below the statistical-secrecy threshold it is suppressed,
    shown as "not enough", never as 0.
    """
    return count if count >= threshold else None


def check_secrecy(values: Any, rules: SecrecyRules = DEFAULT_RULES) -> SecrecyVerdict:
    """Check one aggregate's contributions against the secrecy rules.

    Parameters
    ----------
    values : array-like
        Each contributor's magnitude in the aggregate [kWh]; NaN means the
        household does not contribute. Magnitudes are taken as absolute values.
    rules : SecrecyRules
    """
    x = np.abs(np.asarray(values, dtype=float).ravel())
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n < rules.min_contributors:
        return SecrecyVerdict(False, "too_few", rules.min_contributors - n, n)
    top = np.sort(x)[::-1][: rules.dominance_top].sum()
    if top > rules.dominance_share * x.sum():
        return SecrecyVerdict(False, "dominated", 0, n)
    return SecrecyVerdict(True, None, 0, n)


@dataclass(frozen=True)
class Aggregate:
    """A neighbourhood statistic, published or suppressed as a whole.

    ``table`` has the columns q1, median, q3 [kWh] and one row per cell
    (``"year"``, months 1-12 or hours 0-23), or is ``None`` when suppressed:
    ``verdict`` then says why.
    """

    table: pd.DataFrame | None
    verdict: SecrecyVerdict

    @property
    def published(self) -> bool:
        """True when the statistic may be shown."""
        return self.table is not None


def annual_kwh(frame: pd.DataFrame) -> pd.Series:
    """Return each household's energy over the frame [kWh]; NaN with no data."""
    return frame.sum(min_count=1).rename_axis("household")


def monthly_kwh(frame: pd.DataFrame) -> pd.DataFrame:
    """Return each household's energy per calendar month [kWh], months 1-12 as rows."""
    out = frame.groupby(frame.index.month).sum(min_count=1)
    return out.rename_axis("month")


def typical_day_kwh(frame: pd.DataFrame) -> pd.DataFrame:
    """Return each household's mean energy per local hour of day [kWh], hours 0-23."""
    hourly = frame.resample("h").sum(min_count=1)
    return hourly.groupby(hourly.index.hour).mean().rename_axis("hour")


def _aggregate(cells: pd.DataFrame, rules: SecrecyRules, decimals: int) -> Aggregate:
    # cells: one row per published cell, one column per household.
    verdicts = [check_secrecy(row, rules) for _, row in cells.iterrows()]
    worst = min(verdicts, key=lambda v: (v.published, -v.missing), default=None)
    if worst is None:
        worst = check_secrecy([], rules)
    if not worst.published:
        return Aggregate(None, worst)
    table = cells.T.quantile(list(_PROBS)).T
    table.columns = list(QUARTILES)
    return Aggregate(table.round(decimals), worst)


def _contributing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[:, frame.notna().any()]


def neighbourhood_annual(frame: pd.DataFrame, rules: SecrecyRules = DEFAULT_RULES) -> Aggregate:
    """Median and quartiles of the households' annual energy [kWh], row ``"year"``."""
    cells = annual_kwh(_contributing(frame)).to_frame("year").T.rename_axis("period")
    return _aggregate(cells, rules, YEAR_DECIMALS)


def neighbourhood_monthly(frame: pd.DataFrame, rules: SecrecyRules = DEFAULT_RULES) -> Aggregate:
    """Median and quartiles of the households' monthly energy [kWh], months as rows."""
    return _aggregate(monthly_kwh(_contributing(frame)), rules, MONTH_DECIMALS)


def neighbourhood_typical_day(
    frame: pd.DataFrame, rules: SecrecyRules = DEFAULT_RULES
) -> Aggregate:
    """Median and quartiles of the households' mean energy per hour of day [kWh]."""
    return _aggregate(typical_day_kwh(_contributing(frame)), rules, HOUR_DECIMALS)


@dataclass(frozen=True)
class ReleaseLog:
    """The contributor sets already published, as salted digests (see module)."""

    salt: str
    releases: tuple[frozenset[str], ...] = field(default=())

    @classmethod
    def new(cls) -> ReleaseLog:
        """Return an empty log with a fresh random salt."""
        return cls(salt=secrets.token_hex(16))

    def to_dict(self) -> dict[str, Any]:
        """Return the log as JSON-ready data."""
        return {"salt": self.salt, "releases": [sorted(r) for r in self.releases]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReleaseLog:
        """Rebuild a log from :meth:`to_dict`."""
        return cls(data["salt"], tuple(frozenset(r) for r in data["releases"]))


def contributor_digests(frame: pd.DataFrame, salt: str) -> frozenset[str]:
    """Return the salted digests of the contributing households and their curves."""
    out = set()
    for name, curve in _contributing(frame).items():
        h = hashlib.sha256(salt.encode())
        h.update(str(name).encode() + b"\0")
        # Only the finite points, with their instants: the same curve gives the same
        # digest whatever the other curves' periods pad the frame's index with.
        present = curve[curve.notna()]
        h.update(present.index.asi8.tobytes())
        h.update(present.to_numpy(dtype=float).tobytes())
        out.add(h.hexdigest())
    return frozenset(out)


@dataclass(frozen=True)
class Publication:
    """The neighbourhood's annual, monthly and typical-day statistics for one release.

    ``release`` is the index of the snapshot in the log, ``None`` when refused.
    """

    annual: Aggregate
    monthly: Aggregate
    typical_day: Aggregate
    release: int | None


def release_verdict(
    digests: frozenset[str],
    log: ReleaseLog,
    rules: SecrecyRules = DEFAULT_RULES,
    *,
    known: frozenset[str] = frozenset(),
) -> tuple[SecrecyVerdict, int | None]:
    """Check a contributor set against every earlier release (differencing).

    Parameters
    ----------
    digests : frozenset of str
        The contributors of the new release (:func:`contributor_digests`).
    log : ReleaseLog
    rules : SecrecyRules
    known : frozenset of str
        Contributors the reader knows already (the resident viewing their own
        comparison): left out of the earlier releases before comparing.

    Returns
    -------
    SecrecyVerdict
        Published, or ``"too_close"`` with how many more households must change.
    int or None
        The index of an identical earlier release, if any.
    """
    earlier = [release - known for release in log.releases]
    for i, release in enumerate(earlier):
        if release == digests:
            return SecrecyVerdict(True, None, 0, len(digests)), i
    closest = min((len(release ^ digests) for release in earlier), default=rules.min_change)
    if closest < rules.min_change:
        return SecrecyVerdict(False, "too_close", rules.min_change - closest, len(digests)), None
    return SecrecyVerdict(True, None, 0, len(digests)), None


def publish(
    frame: pd.DataFrame, log: ReleaseLog, rules: SecrecyRules = DEFAULT_RULES
) -> tuple[Publication, ReleaseLog]:
    """Publish the neighbourhood's statistics for this snapshot, if it is safe.

    Parameters
    ----------
    frame : pandas.DataFrame
        Household curves, time × pseudonym [kWh per step].
    log : ReleaseLog
        Earlier releases; returned unchanged unless a new snapshot is published.
    rules : SecrecyRules

    Returns
    -------
    Publication
        Each statistic published or suppressed ("too_few", "dominated"); all
        suppressed with reason ``"too_close"`` when the snapshot would pass the
        rules but is too near an earlier release.
    ReleaseLog
        The log, with this snapshot added if it was published for the first time.
    """
    stats = (
        neighbourhood_annual(frame, rules),
        neighbourhood_monthly(frame, rules),
        neighbourhood_typical_day(frame, rules),
    )
    if not any(s.published for s in stats):
        return Publication(*stats, None), log
    digests = contributor_digests(frame, log.salt)
    verdict, same = release_verdict(digests, log, rules)
    if not verdict.published:
        refused = Aggregate(None, verdict)
        return Publication(refused, refused, refused, None), log
    if same is None:
        log = ReleaseLog(log.salt, (*log.releases, digests))
        same = len(log.releases) - 1
    return Publication(*stats, same), log
