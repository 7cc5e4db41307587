"""Results of a consultation: tallies per site, published only when no one can be exposed.

A site's results appear once it has ``min_opinions`` opinions (10, French
statistical secrecy) or once the consultation has closed; then every count
below ``min_count`` is suppressed (shown as "not enough", never as 0). When
one stance count is suppressed and the total is shown, the next smallest is
suppressed too: otherwise it would be the total minus the two others.

While a consultation is open, counts change one opinion at a time: someone
who knows when a neighbour voted could see which count moved. Suppression
below ``min_count`` limits this; closing results until the end (publish only
closed consultations) removes it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from planner.consultation import _db
from planner.consultation.config import STANCES, TAGS, ConsultationConfig
from planner.consultation.moderation import comment_record
from planner.consultation.records import CommentRecord, ConsultationRecord, SiteRecord
from planner.consultation.safety import csv_safe
from planner.privacy import publishable_count
from planner.store import Store, read
from planner.store.consultation_models import Ballot, Consultation, Opinion, Site
from planner.store.models import utcnow
from quartier_solaire.i18n import t

SHOWN = ("visible", "restored")


@dataclass(frozen=True)
class SiteTally:
    """The published results of one site; None wherever a count is suppressed.

    ``published`` is False until the site may show results at all; then every
    figure is None and ``comments`` is empty.
    """

    site: SiteRecord
    published: bool
    opinions: int | None
    counts: dict[str, int | None]
    support_share: float | None
    tags: dict[str, int | None]
    comments: tuple[CommentRecord, ...]


@dataclass(frozen=True)
class ConsultationResults:
    """The results of a consultation at a given time."""

    consultation: ConsultationRecord
    closed: bool
    sites: tuple[SiteTally, ...]


def results(
    store: Store,
    consultation_id: str,
    *,
    now: datetime | None = None,
    config: ConsultationConfig | None = None,
) -> ConsultationResults:
    """Return the results of a consultation as anyone may see them.

    Raises
    ------
    StoreError
        ``consult_not_found``.
    """
    config = config or ConsultationConfig()
    now = now or utcnow()
    with read(store) as session:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise _db.not_found()
        sites = session.scalars(select(Site).where(Site.consultation_id == consultation_id)).all()
        record = _db.consultation_record(consultation, list(sites))
        model = Ballot if consultation.secret else Opinion
        rows = session.scalars(
            select(model)
            .join(Site, Site.id == model.site_id)
            .where(Site.consultation_id == consultation_id)
            .order_by(model.id)
        ).all()
    closed = now >= record.closes_at
    tallies = tuple(
        _tally(site, [r for r in rows if r.site_id == site.id], closed, config)
        for site in record.sites
    )
    return ConsultationResults(record, closed, tallies)


def _tally(site: SiteRecord, rows: list, closed: bool, config: ConsultationConfig) -> SiteTally:
    if not (closed or len(rows) >= config.min_opinions):
        hidden = dict.fromkeys(STANCES)
        return SiteTally(site, False, None, hidden, None, dict.fromkeys(TAGS), ())
    stances = Counter(r.stance for r in rows)
    tags = Counter(tag for r in rows for tag in r.tags.split(",") if tag)
    total = publishable_count(len(rows), config.min_count)
    counts = {s: publishable_count(stances[s], config.min_count) for s in STANCES}
    counts = _complementary(counts, stances, total)
    support = counts["support"]
    share = support / len(rows) if support is not None and total is not None else None
    comments = tuple(
        comment_record(r) for r in rows if r.comment is not None and r.moderation in SHOWN
    )
    return SiteTally(
        site,
        True,
        total,
        counts,
        share,
        {tag: publishable_count(tags[tag], config.min_count) for tag in TAGS},
        comments,
    )


def _complementary(
    counts: dict[str, int | None], raw: Counter, total: int | None
) -> dict[str, int | None]:
    # With the total shown, one lone suppressed count is the total minus the others.
    suppressed = [s for s in STANCES if counts[s] is None]
    if total is None or len(suppressed) != 1:
        return counts
    smallest = min((s for s in STANCES if counts[s] is not None), key=lambda s: raw[s])
    return {**counts, smallest: None}


CSV_COLUMNS = (
    "site_id",
    "name",
    "building_id",
    "kwp",
    "mwh_per_year",
    "households",
    "shading_loss_pct",
    "computed_at",
    "published",
    "opinions",
    *STANCES,
    "support_share",
    *(f"tag_{tag}" for tag in TAGS),
)


def _row(tally: SiteTally) -> dict[str, Any]:
    site = tally.site
    return {
        "site_id": site.id,
        "name": site.name,
        "building_id": site.building_id,
        "kwp": site.kwp,
        "mwh_per_year": site.mwh_per_year,
        "households": site.households,
        "shading_loss_pct": site.shading_loss_pct,
        "computed_at": site.computed_at.isoformat(),
        "published": tally.published,
        "opinions": tally.opinions,
        **tally.counts,
        "support_share": tally.support_share,
        **{f"tag_{tag}": n for tag, n in tally.tags.items()},
    }


def export_csv(found: ConsultationResults, lang: str = "fr") -> str:
    """Return the open-data CSV of the sites and their tallies: no comment, no person.

    Suppressed counts read "not enough" in ``lang``; every text cell is made
    safe against spreadsheet formulas (:func:`csv_safe`).
    """
    not_enough = t("consult.not_enough", lang)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for tally in found.sites:
        row = _row(tally)
        counted = {"opinions", *STANCES, "support_share", *(f"tag_{t_}" for t_ in TAGS)}
        for name in counted:
            if row[name] is None:
                row[name] = not_enough if tally.published else ""
        writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return out.getvalue()


def export_geojson(found: ConsultationResults) -> dict[str, Any]:
    """Return the open-data GeoJSON FeatureCollection of the sites and their tallies.

    Suppressed counts are ``null`` (never 0); no comment and no person is included.
    """
    features = [
        {
            "type": "Feature",
            "id": tally.site.id,
            "geometry": tally.site.geometry,
            "properties": _row(tally),
        }
        for tally in found.sites
    ]
    collection = {"type": "FeatureCollection", "features": features}
    json.dumps(collection, allow_nan=False)  # refuses NaN now, not in the reader's tool
    return collection
