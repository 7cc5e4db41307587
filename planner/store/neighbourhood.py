"""A resident compared with the other households of a project, read accountably.

Who enters the aggregates
    Only households whose unexpired consent to the project ticks the
    aggregates recipient (``city_aggregates``: "the city sees aggregates only,
    at least 10 households"). A consent to the cooperative's curve alone does
    not: its wording promises the curve to the cooperative under a pseudonym,
    nothing else, so using it in a figure shown to other residents would go
    beyond what was agreed. The resident who asks must have ticked that
    recipient too (they compare with those who share, as one of them).

Time steps
    A household that shares daily totals only is compared at the daily level:
    when any curve in the comparison (the resident's included) is at the daily
    step, every curve is summed into daily totals, and the year and the months
    are compared on those. A typical day cannot be built from daily totals,
    so :attr:`NeighbourhoodView.step` says ``"daily"`` and the page shows the
    resident's own typical day alone.

Accountability
    Computing a median reads every other household's curve, on behalf of a
    resident who never sees those curves. The issue asks that every read by
    someone other than the household be recorded, so each other household
    read gets one access-log row (role ``"aggregate"``, purpose
    ``"neighbourhood comparison"``), in the same transaction as the read.

Differencing
    Each comparison is a release of the project's snapshot: all the
    aggregate-sharing households, the resident included, go through
    :func:`planner.privacy.publish` with the project's :class:`ReleaseLog`, kept
    in ``release_logs`` with the last accepted publication and updated in the
    same transaction (the project's row is locked meanwhile, so two
    comparisons at once cannot lose a release). The resident's neighbourhood is
    the others (:func:`planner.comparison.compare_household` with the log).
    When it is refused as too close to an earlier release, the last accepted
    publication is shown instead, if it holds at least the minimum of
    households besides the resident; otherwise the page says why it waits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.comparison import Comparison, compare_household, compare_with_publication
from planner.privacy import (
    DEFAULT_RULES,
    Aggregate,
    Publication,
    ReleaseLog,
    SecrecyRules,
    SecrecyVerdict,
    contributor_digests,
    publish,
)
from planner.store.consents import shared_curve
from planner.store.engine import Store, write
from planner.store.errors import StoreError
from planner.store.models import (
    AccessLog,
    Account,
    Consent,
    Curve,
    Household,
    Project,
    ReleaseRecord,
    utcnow,
)
from planner.store.reads import _curve_values

PURPOSE = "neighbourhood comparison"
READER_ROLE = "aggregate"
_DAILY_MIN = 1440


@dataclass(frozen=True)
class NeighbourhoodView:
    """What a resident sees of their neighbourhood.

    Attributes
    ----------
    comparison : Comparison
        The resident beside the others (or beside the last accepted release).
    step : str
        ``"30min"``, or ``"daily"`` when the comparison is on daily totals.
    own_typical_day_kwh : pandas.Series
        The resident's own mean energy per hour of day [kWh], from their own
        curve at its own step (always shown).
    waiting : SecrecyVerdict or None
        When the figures are an earlier release: why the current snapshot is
        not published yet (``"too_close"``, with how many more changes).
    """

    comparison: Comparison
    step: str
    own_typical_day_kwh: pd.Series
    waiting: SecrecyVerdict | None


def _not_allowed() -> StoreError:
    return StoreError("store_not_allowed", "This account may not do that.")


def _aggregate_rows(session: Session, project_id: str, now: datetime) -> list[tuple]:
    """(consent, latest curve, pseudonym) of every household in the aggregates."""
    rows = session.execute(
        select(Consent, Curve, Household.pseudonym)
        .join(Curve, Curve.consent_id == Consent.id)
        .join(Household, Household.id == Consent.household_id)
        .where(
            Consent.project_id == project_id,
            Consent.city_aggregates.is_(True),
            Consent.expires_at > now,
        )
        .order_by(Curve.created_at)
    ).all()
    latest = {consent.id: (consent, curve, name) for consent, curve, name in rows}
    return sorted(latest.values(), key=lambda row: row[2])


def _log_reads(session: Session, reader: Account, rows, now: datetime) -> None:
    for consent, _curve, _name in rows:
        session.add(
            AccessLog(
                household_id=consent.household_id,
                consent_id=consent.id,
                reader_id=reader.id,
                reader_role=READER_ROLE,
                reader_organisation=None,
                purpose=PURPOSE,
                read_at=now,
            )
        )


def _frame(store: Store, rows, daily: bool) -> pd.DataFrame:
    columns = {}
    for _consent, curve, name in rows:
        values = _curve_values(store, curve)
        if daily and curve.step_min < _DAILY_MIN:
            values = shared_curve(values, "daily")[0]
        columns[name] = values
    if not columns:  # nobody else shares yet: still a frame over time
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"))
    frame = pd.DataFrame(columns)
    frame.index.name = "time"
    return frame


def _split(session: Session, account_id: str, project_id: str, now: datetime):
    reader = session.get(Account, account_id)
    if reader is None or reader.household is None:
        raise _not_allowed()
    rows = _aggregate_rows(session, project_id, now)
    own = [row for row in rows if row[0].household_id == reader.household.id]
    if not own:
        raise _not_allowed()
    others = [row for row in rows if row[0].household_id != reader.household.id]
    return reader, own[0], others


def neighbourhood_curves(
    store: Store, account_id: str, project_id: str, *, now: datetime | None = None
) -> pd.DataFrame:
    """Return the OTHER households' curves that may enter the project's aggregates.

    Time × pseudonym [kWh per step]; daily totals for everyone when any
    household in the comparison shares daily totals only (see module). Each
    household read gets an access-log row.

    Raises
    ------
    StoreError
        ``store_not_allowed`` unless the account's household shares its curve
        with the project for aggregates, under an unexpired consent.
    """
    now = now or utcnow()
    with write(store) as session:
        reader, own, others = _split(session, account_id, project_id, now)
        daily = any(row[1].step_min >= _DAILY_MIN for row in (own, *others))
        _log_reads(session, reader, others, now)
        return _frame(store, others, daily)


def compare_with_neighbourhood(
    store: Store,
    account_id: str,
    project_id: str,
    rules: SecrecyRules = DEFAULT_RULES,
    *,
    now: datetime | None = None,
) -> NeighbourhoodView:
    """Compare the resident's curve with the project's other sharing households.

    Reads, logs, publishes and compares in one transaction (see module).

    Raises
    ------
    StoreError
        As :func:`neighbourhood_curves`.
    """
    now = now or utcnow()
    with write(store) as session:
        # Lock the project's row: releases of one project happen one at a time.
        project = session.get(Project, project_id, with_for_update=True)
        if project is None:
            raise _not_allowed()
        reader, own_row, others_rows = _split(session, account_id, project_id, now)
        daily = any(row[1].step_min >= _DAILY_MIN for row in (own_row, *others_rows))
        _log_reads(session, reader, others_rows, now)
        own_fine = _curve_values(store, own_row[1]).rename(own_row[2])
        own = _frame(store, [own_row], daily)[own_row[2]]
        others = _frame(store, others_rows, daily)
        record = session.get(ReleaseRecord, project_id)
        if record is None:
            record = ReleaseRecord(
                project_id=project_id, log=json.dumps(ReleaseLog.new().to_dict())
            )
            session.add(record)
        log = ReleaseLog.from_dict(json.loads(record.log))
        everyone = pd.concat([others, own.to_frame()], axis=1)
        publication, log = publish(everyone, log, rules)
        if publication.release is not None:
            record.log = json.dumps(log.to_dict())
            record.publication = json.dumps(publication_to_dict(publication))
            record.updated_at = now
        comparison = compare_household(own, others, rules, log)
        waiting = None
        if comparison.verdict.reason == "too_close" and record.publication:
            last = publication_from_dict(json.loads(record.publication))
            if _enough_besides(own, last, log, rules):
                waiting = comparison.verdict
                comparison = compare_with_publication(own, last)
    step = "daily" if daily else "30min"
    own_day = compare_with_publication(own_fine, _empty_publication()).own_typical_day_kwh
    return NeighbourhoodView(comparison, step, own_day, waiting)


def _enough_besides(own: pd.Series, last: Publication, log: ReleaseLog, rules) -> bool:
    # The last release may count the resident: what it says of the others must
    # rest on at least the minimum of households besides them.
    if last.release is None or last.release >= len(log.releases):
        return False
    release = log.releases[last.release]
    mine = contributor_digests(own.to_frame(own.name), log.salt)
    return len(release - mine) >= rules.min_contributors


def _empty_publication() -> Publication:
    none = Aggregate(None, SecrecyVerdict(False, "too_few", 0, 0))
    return Publication(none, none, none, None)


def _aggregate_to_dict(aggregate: Aggregate) -> dict:
    table = aggregate.table
    return {
        "verdict": vars(aggregate.verdict),
        "table": None
        if table is None
        else {
            "index": [i if isinstance(i, str) else int(i) for i in table.index],
            "columns": {c: [float(v) for v in table[c]] for c in table.columns},
            "name": table.index.name,
        },
    }


def _aggregate_from_dict(data: dict) -> Aggregate:
    verdict = SecrecyVerdict(**data["verdict"])
    table = data["table"]
    if table is None:
        return Aggregate(None, verdict)
    index = pd.Index(table["index"], name=table["name"])
    return Aggregate(pd.DataFrame(table["columns"], index=index), verdict)


def publication_to_dict(publication: Publication) -> dict:
    """Return a publication as JSON-ready data (quartiles and verdicts only)."""
    return {
        "annual": _aggregate_to_dict(publication.annual),
        "monthly": _aggregate_to_dict(publication.monthly),
        "typical_day": _aggregate_to_dict(publication.typical_day),
        "release": publication.release,
    }


def publication_from_dict(data: dict) -> Publication:
    """Rebuild a publication from :func:`publication_to_dict`."""
    return Publication(
        _aggregate_from_dict(data["annual"]),
        _aggregate_from_dict(data["monthly"]),
        _aggregate_from_dict(data["typical_day"]),
        data["release"],
    )
