"""What the consultation functions hand back: frozen records, safe to keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CandidateSite:
    """A candidate site as the organiser proposes it, with its simulated figures.

    Parameters
    ----------
    name : str
        What residents call it ("Gymnase du Breil").
    geometry : mapping
        GeoJSON Polygon or MultiPolygon, EPSG:4326 (longitude, latitude).
    kwp : float
        Installable peak power [kWp].
    mwh_per_year : float
        Simulated yearly production [MWh/yr].
    households : int
        Households it could supply.
    shading_loss_pct : float
        Yearly production lost to shading [%].
    computed_at : datetime
        When the rooftop chain computed these figures (aware).
    building_id : str, optional
        The building the site is on, if it is one.
    """

    name: str
    geometry: Mapping[str, Any]
    kwp: float
    mwh_per_year: float
    households: int
    shading_loss_pct: float
    computed_at: datetime
    building_id: str | None = None


@dataclass(frozen=True)
class SiteRecord:
    """A stored candidate site."""

    id: str
    name: str
    geometry: dict[str, Any]
    kwp: float
    mwh_per_year: float
    households: int
    shading_loss_pct: float
    computed_at: datetime
    building_id: str | None = None


@dataclass(frozen=True)
class ConsultationRecord:
    """A stored consultation and its sites, in the order the organiser gave them."""

    id: str
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    secret: bool
    organisation: str
    sites: tuple[SiteRecord, ...] = field(default_factory=tuple)

    def is_open(self, now: datetime) -> bool:
        """True while opinions are taken: from ``opens_at`` (included) to ``closes_at``."""
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class OpinionRecord:
    """A resident's own opinion on one site, as they gave it."""

    site_id: str
    stance: str
    tags: tuple[str, ...]
    comment: str | None


@dataclass(frozen=True)
class CommentRecord:
    """A comment as results and the moderation queue show it: no author, ever."""

    id: str
    site_id: str
    text: str
    reports: int
    moderation: str
