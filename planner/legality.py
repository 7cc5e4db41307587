"""Is the collective project legal? Perimeter and power of an extended ACC operation.

The rules, from the texts (checked against them, not only against DESIGN.md):

- Code de l'énergie, article L315-2: a collective self-consumption operation
  (ACC) links producers and final consumers in one legal entity (the PMO); it is
  "étendue" (extended, beyond one building) when its points are on the low-voltage
  network and meet the criteria, geographic proximity first, set by arrêté.
- Arrêté of 21 November 2019 (JORF 24 Nov 2019), article 1, as amended by the
  arrêté of 21 February 2025 (JORF 5 Mar 2025):
  1° all participants connected to the low-voltage network of one single
  distribution system operator, and "the distance between the two most distant
  participants does not exceed two kilometres" (so 2 km is allowed), measured from
  the delivery point of consumption sites and the injection point of production
  sites; 2° cumulated production power "below" (strictly) 5 MW on the continental
  mainland (3 MW before the 2025 arrêté) and 0.5 MW in the non-interconnected zones
  (ZNI); for solar, the peak power (kWc).
- Same arrêté, article 1 bis, as rewritten by the arrêté of 19 September 2023
  (JORF 7 Oct 2023): on a reasoned request of the PMO to the minister for energy,
  a derogation to the distance criterion, continental mainland only: 10 km when
  every producer and consumer is in a rural or peri-urban commune, 20 km when every
  one is in a rural commune. Rural = the classes "bourgs ruraux", "rural à habitat
  dispersé" and "rural à habitat très dispersé" of INSEE's "grille communale de
  densité" (7 levels) in force on the date of the request; peri-urban = "petites
  villes" and "ceintures urbaines". The other two classes, "grands centres urbains"
  and "centres urbains intermédiaires", allow no derogation.
- Arrêté of 21 February 2025: a further derogation, also on request and on the
  continental mainland, when ALL of: (a) one participant is a commune or an EPCI à
  fiscalité propre; (b) every participant is a public body, a public or private
  body with a public-service mission, or a local semi-public company (SEML,
  CGCT L1522-1) or its subsidiary; (c) every point is inside the territory of the
  EPCI taking part, or of the EPCI the participating commune(s) belong to. There
  is then no distance in kilometres (the EPCI is the limit) and the power cap is
  10 MW (strictly below).

Where DESIGN.md is short of the texts: it leaves out condition (b), so private
households cannot join a public-body operation; and it omits that the caps are
strict ("inférieure à"), that the ZNI cap is 0.5 MW and that derogations are
mainland only and must be requested (sources: Légifrance text of article 1 bis via
legal.tricoteuses.fr; Gossement Avocats, Seban Avocats and La Gazette des communes
on the 2025 arrêté, March 2025).

The distance is the diameter of the set of participants: the largest WGS84
geodesic distance between any two (producers included), found exactly among the
points near the convex hull (O(h^2)), not the radius of a circle around a centre.
The machine is offline: each commune's density class and each participant's EPCI
are inputs; :data:`DEMO_DENSITY` and :data:`DEMO_EPCI` hold the demo's commune.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, mapping

from quartier_solaire.i18n import DEFAULT_LANGUAGE, literal, number, t

_GEOD = Geod(ellps="WGS84")

ROLES: tuple[str, ...] = ("producer", "consumer")
# What a participant is, for the public-body derogation: a commune, an EPCI à
# fiscalité propre, another public (or public-service, or SEML) body, or private.
BODIES: tuple[str, ...] = ("private", "public", "commune", "epci")

# INSEE "grille communale de densité" at 7 levels (INSEE, document de travail
# 2022-18), by level number.
DENSITY_CLASSES: dict[int, str] = {
    1: "grands_centres_urbains",
    2: "centres_urbains_intermediaires",
    3: "petites_villes",
    4: "ceintures_urbaines",
    5: "bourgs_ruraux",
    6: "rural_habitat_disperse",
    7: "rural_habitat_tres_disperse",
}
RURAL: frozenset[str] = frozenset(DENSITY_CLASSES[k] for k in (5, 6, 7))
PERIURBAN: frozenset[str] = frozenset(DENSITY_CLASSES[k] for k in (3, 4))

# The demo neighbourhood is in Nantes (INSEE 44109), a "grand centre urbain"
# (level 1, a dense "city" in the European sense), in Nantes Métropole (SIREN
# 244400404). To be checked against the grid in force on the date of a request.
DEMO_DENSITY: dict[str, int] = {"44109": 1}
DEMO_EPCI: dict[str, str] = {"44109": "244400404"}

# The derogations, by code: distance limit [km] (None: the EPCI's territory).
DEROGATIONS: tuple[str, ...] = ("periurban_10km", "rural_20km", "public_epci")


@dataclass(frozen=True)
class Participant:
    """A producer or consumer site of the operation.

    Attributes
    ----------
    name : str
        How messages name it (a pseudonym for a household); unique in a project.
    lon, lat : float
        Delivery point (consumer) or injection point (producer), WGS84 [degrees].
    role : str
        ``"producer"`` or ``"consumer"``.
    kwp : float
        Installed peak power of a producer [kWc]; ignored for consumers.
    commune : str or None
        INSEE code of its commune, where known.
    epci : str or None
        SIREN of the EPCI à fiscalité propre its commune belongs to (an EPCI
        participant: its own), where known.
    body : str
        One of :data:`BODIES`; households are ``"private"``.
    """

    name: str
    lon: float
    lat: float
    role: str = "consumer"
    kwp: float = 0.0
    commune: str | None = None
    epci: str | None = None
    body: str = "private"


@dataclass(frozen=True)
class LegalRules:
    """The thresholds of the arrêté of 21 November 2019 as amended (see module)."""

    limit_km: float = 2.0
    periurban_limit_km: float = 10.0
    rural_limit_km: float = 20.0
    power_cap_kwp: float = 5000.0
    public_power_cap_kwp: float = 10000.0
    zni_power_cap_kwp: float = 500.0
    mainland: bool = True  # False: a non-interconnected zone (no derogation)


@dataclass(frozen=True)
class LegalMessage:
    """A sentence as a catalogue key and its placeholders (numbers unformatted)."""

    key: str
    params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class PerimeterCheck:
    """The distance rule.

    Attributes
    ----------
    ok : bool
        Within the base limit as it is, with nothing to request.
    status : str
        ``"ok"``, ``"derogation"`` (over the base limit but within a derogation
        the project qualifies for: request it) or ``"too_far"``.
    distance_km : float
        Largest geodesic distance between two participants [km].
    limit_km : float
        Base limit [km].
    farthest : tuple of str
        Names of the two most distant participants (empty with fewer than two).
    farthest_points : tuple of (lon, lat)
        Their positions [degrees].
    derogation : str or None
        The derogation to request (one of :data:`DEROGATIONS`), when needed and
        sufficient.
    derogation_limit_km : float or None
        Its limit [km]; None for the public-body one (the EPCI is the limit).
    eligible : tuple of str
        Every derogation the project qualifies for.
    to_remove : tuple of str
        Participants whose removal brings the distance within the base limit
        (greedy: each time, the end of the diameter whose removal shrinks it most).
    remaining_km : float
        The distance once they are removed [km].
    messages : tuple of LegalMessage
        What is wrong and what to change, in order.
    """

    ok: bool
    status: str
    distance_km: float
    limit_km: float
    farthest: tuple[str, ...]
    farthest_points: tuple[tuple[float, float], ...]
    derogation: str | None
    derogation_limit_km: float | None
    eligible: tuple[str, ...]
    to_remove: tuple[str, ...]
    remaining_km: float
    messages: tuple[LegalMessage, ...] = field(compare=False)


@dataclass(frozen=True)
class PowerCheck:
    """The power rule: cumulated producer peak power below the cap.

    Attributes
    ----------
    ok : bool
        Below the base cap as it is.
    status : str
        ``"ok"``, ``"derogation"`` (below the public-body cap, which the project
        qualifies for) or ``"too_big"``.
    total_kwp : float
        Sum of the producers' peak power [kWc].
    cap_kwp : float
        Base cap [kWc] (5 MW mainland, 0.5 MW ZNI); the total must be below it.
    derogation_cap_kwp : float or None
        The public-body cap [kWc] when the project qualifies for it.
    excess_kwp : float
        How much must go for the total to reach the cap that can apply [kWc]
        (the total must then be strictly below it); 0 when within.
    messages : tuple of LegalMessage
    """

    ok: bool
    status: str
    total_kwp: float
    cap_kwp: float
    derogation_cap_kwp: float | None
    excess_kwp: float
    messages: tuple[LegalMessage, ...] = field(compare=False)


@dataclass(frozen=True)
class LegalCheck:
    """Both rules; ``ok`` when the project is legal as it is, with nothing to request."""

    perimeter: PerimeterCheck
    power: PowerCheck

    @property
    def ok(self) -> bool:
        """Both rules met as it is."""
        return self.perimeter.ok and self.power.ok

    @property
    def possible(self) -> bool:
        """Legal as it is or after requesting the derogations it qualifies for."""
        return self.perimeter.status != "too_far" and self.power.status != "too_big"


# --- geometry: the diameter of a set of points -------------------------------------


def _local_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    # Azimuthal equidistant frame around the mean point, from geodesics: exact
    # distances from the centre, chord distortion of order (r / R)^2.
    lon0 = np.full_like(lon, lon.mean())
    lat0 = np.full_like(lat, lat.mean())
    az, _, dist = _GEOD.inv(lon0, lat0, lon, lat)
    az = np.radians(az)
    return dist * np.sin(az), dist * np.cos(az), float(dist.max(initial=0.0))


def _distortion(radius_m: float) -> float:
    # Bound on the relative error of planar distances in the frame of _local_xy
    # within radius_m of its centre: about (r / R)^2 / 6; twelve times that, safe.
    return 2.0 * (radius_m / 6.371e6) ** 2


def _near_hull(x: np.ndarray, y: np.ndarray, radius_m: float) -> np.ndarray:
    # Indices of the points on or near the convex hull's boundary. A point farther
    # inside than the frame's distortion cannot be an end of the geodesic diameter
    # (moving it outward along the chord lengthens the chord by more).
    points = shapely.points(x, y)
    hull = shapely.convex_hull(shapely.multipoints(points))
    if isinstance(hull, Point):  # every point at one place
        return np.arange(len(x))
    edge = hull.exterior if isinstance(hull, Polygon) else hull
    tol = 8.0 * _distortion(radius_m) * radius_m + 1e-3  # + 1 mm of rounding
    return np.flatnonzero(shapely.distance(edge, points) <= tol)


def _diameter(
    lon: np.ndarray, lat: np.ndarray, x: np.ndarray, y: np.ndarray, radius_m: float
) -> tuple[int, int, float]:
    # All pairs among the points near the hull, O(h^2) geodesics.
    if lon.size < 2:
        return 0, 0, 0.0
    cand = _near_hull(x, y, radius_m)  # at least two: the hull's ends, or every point
    a, b = np.triu_indices(cand.size, k=1)
    # Geodesics only for the pairs whose planar length could still be the longest
    # (many points along a straight hull edge would otherwise all be paired).
    planar = np.hypot(x[cand[a]] - x[cand[b]], y[cand[a]] - y[cand[b]])
    delta = _distortion(radius_m)
    close = planar >= planar.max() * (1.0 - delta) / (1.0 + delta) - 1e-3
    ia, ib = cand[a[close]], cand[b[close]]
    dist = np.asarray(_GEOD.inv(lon[ia], lat[ia], lon[ib], lat[ib])[2])
    k = int(np.argmax(dist))
    i, j = sorted((int(ia[k]), int(ib[k])))
    return i, j, float(dist[k])


def farthest_pair(lon: Sequence[float], lat: Sequence[float]) -> tuple[int, int, float]:
    """Return the two most distant points and their geodesic distance.

    Parameters
    ----------
    lon, lat : sequence of float
        WGS84 coordinates [degrees], same length.

    Returns
    -------
    i, j : int
        Indices of the two points (i < j); (0, 0) for a single point.
    distance_m : float
        WGS84 geodesic distance between them [m].

    Raises
    ------
    ValueError
        With no point, or a coordinate missing or out of range.
    """
    lon_a, lat_a = _validated(lon, lat)
    return _diameter(lon_a, lat_a, *_local_xy(lon_a, lat_a))


def _validated(lon: Sequence[float], lat: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=float).ravel()
    lat_a = np.asarray(lat, dtype=float).ravel()
    if lon_a.size == 0 or lon_a.size != lat_a.size:
        raise ValueError("give one longitude and one latitude per point, at least one point")
    if not (np.isfinite(lon_a).all() and np.isfinite(lat_a).all()):
        raise ValueError("coordinates must not be missing")
    if (np.abs(lon_a) > 180).any() or (np.abs(lat_a) > 90).any():
        raise ValueError("coordinates must be WGS84 degrees (lon within ±180, lat within ±90)")
    return lon_a, lat_a


def _removal(lon: np.ndarray, lat: np.ndarray, limit_m: float) -> tuple[list[int], float]:
    # Greedy: drop the end of the diameter whose removal leaves the smaller diameter.
    # One frame for all subsets: its distortion bound holds for any of them.
    x, y, radius = _local_xy(lon, lat)
    keep = np.arange(lon.size)
    removed: list[int] = []
    i, j, d = _diameter(lon, lat, x, y, radius)
    while d > limit_m:
        options = []
        for end in (i, j):
            rest = np.delete(keep, end)
            options.append((*_diameter(lon[rest], lat[rest], x[rest], y[rest], radius), end))
        i, j, d, end = min(options, key=lambda o: o[2])
        removed.append(int(keep[end]))
        keep = np.delete(keep, end)
    return removed, d


# --- the rules -------------------------------------------------------------------


def _checked(participants: Sequence[Participant]) -> tuple[Participant, ...]:
    ps = tuple(participants)
    names = [p.name for p in ps]
    if len(set(names)) != len(names):
        raise ValueError("participant names must be unique: messages name them")
    for p in ps:
        if p.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {p.role!r}")
        if p.body not in BODIES:
            raise ValueError(f"body must be one of {BODIES}, not {p.body!r}")
        if not (math.isfinite(p.kwp) and p.kwp >= 0):
            raise ValueError("a producer's peak power must be a number >= 0 [kWc]")
    if ps:
        _validated([p.lon for p in ps], [p.lat for p in ps])
    return ps


def density_class(value: int | str) -> str:
    """Return the class name of an INSEE density level (1-7, ``"1"``, or the name)."""
    if isinstance(value, str) and value in DENSITY_CLASSES.values():
        return value
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in DENSITY_CLASSES:
        raise ValueError(f"not a level of INSEE's 7-level density grid: {value!r}")
    return DENSITY_CLASSES[level]


def _density_findings(
    ps: tuple[Participant, ...], density: Mapping[str, int | str]
) -> tuple[tuple[str, ...], list[LegalMessage]]:
    # Which of the 10 / 20 km derogations the communes allow, and why not.
    no_commune = tuple(p.name for p in ps if not p.commune)
    communes = sorted({p.commune for p in ps if p.commune})
    unknown = tuple(c for c in communes if c not in density)
    classes = {c: density_class(density[c]) for c in communes if c in density}
    urban = tuple((c, k) for c, k in classes.items() if k not in RURAL | PERIURBAN)
    why: list[LegalMessage] = []
    if urban:
        why.append(LegalMessage("legal.perimeter.urban", (("communes", urban),)))
        return (), why
    if no_commune:
        why.append(LegalMessage("legal.perimeter.commune_missing", (("names", no_commune),)))
    if unknown:
        why.append(LegalMessage("legal.perimeter.density_missing", (("communes", unknown),)))
    if why:
        return (), why
    if all(k in RURAL for k in classes.values()):
        return ("periurban_10km", "rural_20km"), why
    return ("periurban_10km",), why


def public_epci(ps: Sequence[Participant]) -> tuple[str | None, tuple[LegalMessage, ...]]:
    """Return the EPCI of the public-body derogation if the project qualifies, and why not.

    The three conditions of the arrêté of 21 February 2025 (see module): a commune
    or EPCI takes part; every participant is a public or public-service body; every
    point is inside that one EPCI. Silent (no reason) when no commune or EPCI takes
    part, the case of a residents' cooperative.
    """
    hosts = {p.epci for p in ps if p.body in ("commune", "epci")}
    if not hosts:
        return None, ()
    private = tuple(p.name for p in ps if p.body == "private")
    if private:
        return None, (LegalMessage("legal.public.private", (("names", private),)),)
    if len(hosts) != 1 or None in hosts:
        return None, (LegalMessage("legal.public.several_epci"),)
    (epci,) = hosts
    outside = tuple(p.name for p in ps if p.epci != epci)
    if outside:
        params = (("names", outside), ("epci", epci))
        return None, (LegalMessage("legal.public.outside", params),)
    return epci, ()


def _limits(rules: LegalRules) -> dict[str, float | None]:
    return {
        "periurban_10km": rules.periurban_limit_km,
        "rural_20km": rules.rural_limit_km,
        "public_epci": None,
    }


def check_perimeter(
    participants: Sequence[Participant],
    density: Mapping[str, int | str] | None = None,
    rules: LegalRules | None = None,
) -> PerimeterCheck:
    """Check the distance between the two most distant participants.

    Parameters
    ----------
    participants : sequence of Participant
        Producers and consumers; all count.
    density : mapping, optional
        INSEE code of a commune -> its level in INSEE's 7-level density grid
        (1-7 or the class name, see :data:`DENSITY_CLASSES`).
    rules : LegalRules, optional

    Returns
    -------
    PerimeterCheck
    """
    rules = rules or LegalRules()
    ps = _checked(participants)
    if len(ps) < 2:
        msg = (LegalMessage("legal.perimeter.single"),)
        return PerimeterCheck(True, "ok", 0.0, rules.limit_km, (), (), None, None, (), (), 0.0, msg)
    lon = np.array([p.lon for p in ps])
    lat = np.array([p.lat for p in ps])
    i, j, d_m = farthest_pair(lon, lat)
    km = d_m / 1000.0
    ends = ((ps[i].name, ps[j].name), ((ps[i].lon, ps[i].lat), (ps[j].lon, ps[j].lat)))
    head = (("a", ps[i].name), ("b", ps[j].name), ("distance_km", km), ("limit_km", rules.limit_km))
    if km <= rules.limit_km:
        msg = (LegalMessage("legal.perimeter.ok", head),)
        return PerimeterCheck(True, "ok", km, rules.limit_km, *ends, None, None, (), (), km, msg)
    eligible, why = _eligible(ps, density or {}, rules)
    limits = _limits(rules)
    fits = [g for g in eligible if limits[g] is None or km <= limits[g]]
    derogation = fits[0] if fits else None
    removed, remaining_m = _removal(lon, lat, rules.limit_km * 1000.0)
    to_remove = tuple(ps[k].name for k in removed)
    messages = [
        LegalMessage("legal.perimeter.too_far", head),
        LegalMessage(
            "legal.perimeter.remove",
            (("names", to_remove), ("remaining_km", remaining_m / 1000.0)),
        ),
    ]
    messages += _derogation_messages(derogation, eligible, why, ps, rules)
    return PerimeterCheck(
        ok=False,
        status="derogation" if derogation else "too_far",
        distance_km=km,
        limit_km=rules.limit_km,
        farthest=ends[0],
        farthest_points=ends[1],
        derogation=derogation,
        derogation_limit_km=limits[derogation] if derogation else None,
        eligible=eligible,
        to_remove=to_remove,
        remaining_km=remaining_m / 1000.0,
        messages=tuple(messages),
    )


def _eligible(
    ps: tuple[Participant, ...], density: Mapping[str, int | str], rules: LegalRules
) -> tuple[tuple[str, ...], list[LegalMessage]]:
    if not rules.mainland:
        return (), [LegalMessage("legal.perimeter.not_mainland")]
    eligible, why = _density_findings(ps, density)
    epci, why_not_public = public_epci(ps)
    if epci is not None:
        eligible += ("public_epci",)
    return eligible, why + list(why_not_public)


def _derogation_messages(
    derogation: str | None,
    eligible: tuple[str, ...],
    why: list[LegalMessage],
    ps: tuple[Participant, ...],
    rules: LegalRules,
) -> list[LegalMessage]:
    limits = _limits(rules)
    if derogation == "public_epci":
        epci, _ = public_epci(ps)
        cap = (("epci", epci), ("cap_kwp", rules.public_power_cap_kwp))
        return [LegalMessage("legal.perimeter.request_public_epci", cap)]
    if derogation is not None:
        limit = (("derogation_limit_km", limits[derogation]),)
        return [LegalMessage(f"legal.perimeter.request_{derogation}", limit)]
    if eligible:  # qualifies, but even the widest limit is too short
        widest = max(limits[g] for g in eligible if limits[g] is not None)
        return [
            LegalMessage("legal.perimeter.derogation_short", (("derogation_limit_km", widest),))
        ]
    return why


def check_power(participants: Sequence[Participant], rules: LegalRules | None = None) -> PowerCheck:
    """Check the producers' cumulated peak power against the cap (strictly below).

    The public-body cap of 10 MW is offered when the project qualifies for that
    derogation (:func:`public_epci`); it must then be requested.
    """
    rules = rules or LegalRules()
    ps = _checked(participants)
    total = float(sum(p.kwp for p in ps if p.role == "producer"))
    cap = rules.power_cap_kwp if rules.mainland else rules.zni_power_cap_kwp
    epci = public_epci(ps)[0] if rules.mainland else None
    public_cap = rules.public_power_cap_kwp if epci is not None else None
    figures = (("total_kwp", total), ("cap_kwp", cap))
    if total < cap:
        msg = (LegalMessage("legal.power.ok", figures),)
        return PowerCheck(True, "ok", total, cap, public_cap, 0.0, msg)
    if public_cap is not None and total < public_cap:
        params = figures + (("derogation_cap_kwp", public_cap), ("epci", epci))
        msg = (LegalMessage("legal.power.request_public_epci", params),)
        return PowerCheck(False, "derogation", total, cap, public_cap, 0.0, msg)
    limit = public_cap if public_cap is not None else cap  # the cap the project can reach
    excess = total - limit
    params = (("total_kwp", total), ("cap_kwp", limit), ("excess_kwp", excess))
    msg = (LegalMessage("legal.power.too_big", params),)
    return PowerCheck(False, "too_big", total, cap, public_cap, excess, msg)


def check_legality(
    participants: Sequence[Participant],
    density: Mapping[str, int | str] | None = None,
    rules: LegalRules | None = None,
) -> LegalCheck:
    """Check both rules of an extended ACC operation (see the module for the texts)."""
    return LegalCheck(
        perimeter=check_perimeter(participants, density, rules),
        power=check_power(participants, rules),
    )


# --- words -------------------------------------------------------------------------


def _km(value: float, lang: str, other: float | None = None) -> str:
    # Limits read whole (2 km); distances with two decimals, more when the
    # distance would otherwise read as the limit (2.004 km is not 2.00 km).
    if other is None and float(value).is_integer():
        return number(value, lang)
    for decimals in (2, 3, 4):
        text = number(value, lang, decimals=decimals)
        if other is None or value == other or text != number(other, lang, decimals=decimals):
            return text
    return text


def _names(values: tuple, lang: str, markdown: bool) -> str:
    words = []
    for v in values:
        if isinstance(v, tuple):  # (commune, density class)
            words.append(f"{v[0]} ({t(f'legal.density.{v[1]}', lang)})")
        else:
            words.append(literal(v) if markdown else str(v))
    if len(words) > 6:  # name the first five, count the others
        rest = t("legal.and_others", lang, count=len(words) - 5)
        words = words[:5] + [rest]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + t("legal.and", lang) + words[-1]


def message_text(
    message: LegalMessage, lang: str = DEFAULT_LANGUAGE, /, *, markdown: bool = False
) -> str:
    """Render one message in ``lang``; numbers the way its readers write them.

    Names come from the user: with ``markdown=True`` they are escaped for elements
    that render Markdown; otherwise the text must be shown as plain text.
    """
    params = dict(message.params)
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, tuple):
            out[name] = _names(value, lang, markdown)
        elif name == "distance_km":
            out[name] = _km(value, lang, params.get("limit_km"))
        elif name.endswith("_km"):
            out[name] = _km(value, lang)
        elif name.endswith("_kwp"):
            whole = value >= 100 or float(value).is_integer()
            out[name] = number(value, lang, decimals=0 if whole else 1)
        else:
            out[name] = literal(value) if markdown else str(value)
    return t(message.key, lang, **out)


def legal_messages(
    check: LegalCheck | PerimeterCheck | PowerCheck,
    lang: str = DEFAULT_LANGUAGE,
    /,
    *,
    markdown: bool = False,
) -> list[str]:
    """Return the sentences of a check in ``lang``: what is wrong, then what to change."""
    parts = [check.perimeter, check.power] if isinstance(check, LegalCheck) else [check]
    return [message_text(m, lang, markdown=markdown) for c in parts for m in c.messages]


# --- what to draw ------------------------------------------------------------------


@dataclass(frozen=True)
class PerimeterDrawing:
    """The perimeter as what it is, in EPSG:4326 (lon, lat).

    Attributes
    ----------
    ends : tuple of shapely Point
        The two most distant participants.
    names : tuple of str
        Their names.
    segment : shapely LineString
        The geodesic between them, the distance the rule is about.
    zone : shapely Polygon or None
        Where a participant is within ``limit_km`` of every participant: the
        intersection of the geodesic discs of that radius around each of them.
        It holds all of them when the rule is met; None when empty.
    distance_km, limit_km : float
    """

    ends: tuple[Point, Point]
    names: tuple[str, str]
    segment: LineString
    zone: Polygon | None
    distance_km: float
    limit_km: float

    def features(self, lang: str = DEFAULT_LANGUAGE, /) -> dict:
        """Return a GeoJSON FeatureCollection with a ``kind`` and a plain-text ``label``.

        Labels hold participant names as given: escape them before HTML (folium
        tooltips and popups render HTML).
        """
        km = {
            "distance_km": _km(self.distance_km, lang, self.limit_km),
            "limit_km": _km(self.limit_km, lang),
        }
        a, b = self.names
        items = [
            ("zone", self.zone, t("legal.map.zone", lang, limit_km=km["limit_km"])),
            ("segment", self.segment, t("legal.map.segment", lang, a=a, b=b, **km)),
            ("end", self.ends[0], t("legal.map.end", lang, name=a, **km)),
            ("end", self.ends[1], t("legal.map.end", lang, name=b, **km)),
        ]
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": mapping(geom),
                    "properties": {"kind": kind, "label": label},
                }
                for kind, geom, label in items
                if geom is not None
            ],
        }


def _disc(lon: float, lat: float, radius_m: float, n: int = 72) -> Polygon:
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    x, y, _ = _GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    return Polygon(zip(x, y, strict=True))


def perimeter_drawing(
    participants: Sequence[Participant], limit_km: float | None = None
) -> PerimeterDrawing | None:
    """Return what to draw for the perimeter rule; None with fewer than two participants.

    Parameters
    ----------
    participants : sequence of Participant
    limit_km : float, optional
        The limit to draw [km]: 2 km by default; pass a check's
        ``derogation_limit_km`` to draw the 10 or 20 km of a derogation.
    """
    ps = _checked(participants)
    if len(ps) < 2:
        return None
    limit = LegalRules().limit_km if limit_km is None else float(limit_km)
    lon = np.array([p.lon for p in ps])
    lat = np.array([p.lat for p in ps])
    i, j, d_m = farthest_pair(lon, lat)
    inner = _GEOD.npts(lon[i], lat[i], lon[j], lat[j], 30)
    segment = LineString([(lon[i], lat[i]), *inner, (lon[j], lat[j])])
    x, y, radius = _local_xy(lon, lat)
    zone = shapely.intersection_all(
        [_disc(lon[k], lat[k], limit * 1000.0) for k in _near_hull(x, y, radius)]
    )
    return PerimeterDrawing(
        ends=(Point(lon[i], lat[i]), Point(lon[j], lat[j])),
        names=(ps[i].name, ps[j].name),
        segment=segment,
        zone=zone if isinstance(zone, Polygon) and not zone.is_empty else None,
        distance_km=d_m / 1000.0,
        limit_km=limit,
    )
