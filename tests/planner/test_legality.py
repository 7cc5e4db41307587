"""Is the collective project legal? Perimeter (geodesic diameter), derogations, power caps."""

import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point

from planner.legality import (
    DEMO_DENSITY,
    DEMO_EPCI,
    DENSITY_CLASSES,
    LegalMessage,
    LegalRules,
    Participant,
    check_legality,
    check_perimeter,
    check_power,
    density_class,
    farthest_pair,
    legal_messages,
    message_text,
    perimeter_drawing,
)
from quartier_solaire.i18n import catalogue
from tests.conftest import ROOT

GEOD = Geod(ellps="WGS84")
# Chantenay, Nantes: the demo neighbourhood.
LON0, LAT0 = -1.5950, 47.2069


def at(name, east_m=0.0, north_m=0.0, **kw):
    """A participant east_m / north_m from the demo centre, along geodesics."""
    lon, lat, _ = GEOD.fwd(LON0, LAT0, 90.0, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north_m)
    return Participant(name, float(lon), float(lat), **kw)


def dist_km(a, b):
    return GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2] / 1000.0


def brute_max(lon, lat):
    best = 0.0
    for i, j in itertools.combinations(range(len(lon)), 2):
        best = max(best, GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2])
    return best


# --- the diameter ------------------------------------------------------------------


def test_two_points_1_9_km_apart_are_within_2_km():
    ps = [at("A"), at("B", east_m=1900.0)]
    check = check_perimeter(ps)
    assert check.ok and check.status == "ok"
    assert check.distance_km == pytest.approx(1.9, abs=1e-9)
    assert set(check.farthest) == {"A", "B"}


def test_two_points_2_1_km_apart_are_too_far():
    ps = [at("A"), at("B", east_m=2100.0)]
    check = check_perimeter(ps)
    assert not check.ok and check.status == "too_far"
    assert check.distance_km == pytest.approx(2.1, abs=1e-9)


def test_the_diameter_need_not_be_between_the_first_two_points():
    # A and B are 500 m apart; C is 3 km north-east of A, farther from A than from B.
    a, b = at("A"), at("B", east_m=500.0)
    lon, lat, _ = GEOD.fwd(a.lon, a.lat, 225.0, 3000.0)  # south-west of A
    c = Participant("C", float(lon), float(lat))
    i, j, d = farthest_pair([a.lon, b.lon, c.lon], [a.lat, b.lat, c.lat])
    assert (i, j) == (1, 2)
    assert d == pytest.approx(dist_km(b, c) * 1000.0, rel=1e-12)
    assert d > dist_km(a, c) * 1000.0 > dist_km(a, b) * 1000.0


def test_a_point_and_a_repeated_point():
    assert farthest_pair([LON0], [LAT0]) == (0, 0, 0.0)
    assert farthest_pair([LON0] * 4, [LAT0] * 4)[2] == 0.0


@pytest.mark.parametrize(
    ("lon", "lat"),
    [([], []), ([0.0, 1.0], [0.0]), ([float("nan")], [0.0]), ([200.0], [0.0]), ([0.0], [95.0])],
)
def test_bad_coordinates_are_refused(lon, lat):
    with pytest.raises(ValueError):
        farthest_pair(lon, lat)


coords = st.lists(
    st.tuples(st.floats(-0.15, 0.15, allow_nan=False), st.floats(-0.1, 0.1, allow_nan=False)),
    min_size=2,
    max_size=40,
)
# On a coarse grid: duplicates and collinear points, the hull's awkward cases.
grid = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=30)


@settings(max_examples=60, deadline=None)
@given(coords)
def test_hull_diameter_equals_brute_force_over_all_pairs(offsets):
    lon = [LON0 + dx for dx, _ in offsets]
    lat = [LAT0 + dy for _, dy in offsets]
    i, j, d = farthest_pair(lon, lat)
    assert d == pytest.approx(brute_max(lon, lat), rel=1e-12, abs=1e-9)
    assert d == pytest.approx(GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2], rel=1e-12, abs=1e-9)


wide = st.lists(
    st.tuples(st.floats(-3.0, 3.0, allow_nan=False), st.floats(-2.0, 2.0, allow_nan=False)),
    min_size=2,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(st.one_of(wide, st.lists(st.tuples(st.integers(-3, 3), st.integers(-2, 2)), min_size=2)))
def test_hull_diameter_is_exact_where_a_flat_map_would_pick_the_wrong_pair(offsets):
    # Hundreds of km: the planar frame's distortion is metres, the answer still exact.
    lon = [LON0 + dx for dx, _ in offsets]
    lat = [LAT0 + dy for _, dy in offsets]
    assert farthest_pair(lon, lat)[2] == pytest.approx(brute_max(lon, lat), rel=1e-12)


def test_the_longest_geodesic_not_the_longest_flat_chord():
    # Found by search: in the flat frame around the mean point, another pair is
    # 27 m longer, but on the ellipsoid this pair is 2 m longer than that one.
    lon = [1.351258, -3.009359, -1.279237, -1.034025, -4.245154]
    lat = [47.627014, 45.32795, 45.977586, 45.547432, 47.520585]
    i, j, d = farthest_pair(lon, lat)
    assert d == pytest.approx(brute_max(lon, lat), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(grid, st.sampled_from([0.001, 0.05]))
def test_hull_diameter_with_duplicates_and_collinear_points(cells, step):
    lon = [LON0 + step * x for x, _ in cells]
    lat = [LAT0 + step * y for _, y in cells]
    assert farthest_pair(lon, lat)[2] == pytest.approx(brute_max(lon, lat), rel=1e-12, abs=1e-9)


# --- what to remove ----------------------------------------------------------------


def test_the_end_whose_removal_shrinks_the_diameter_most_is_named():
    # X alone to the west; Y with its neighbours to the east. Removing Y leaves
    # X 2.2 km from a neighbour; removing X leaves 0.7 km.
    ps = [at("X"), at("N1", east_m=1800.0), at("N2", east_m=2200.0), at("Y", east_m=2500.0)]
    check = check_perimeter(ps)
    assert set(check.farthest) == {"X", "Y"}
    assert check.to_remove == ("X",)
    assert check.remaining_km == pytest.approx(0.7, abs=1e-6)


def test_several_removals_until_within_the_limit():
    ps = [at("W", east_m=-2000.0), at("C1"), at("C2", north_m=300.0), at("E", east_m=2500.0)]
    check = check_perimeter(ps)
    assert set(check.to_remove) == {"W", "E"}
    assert check.remaining_km == pytest.approx(0.3, abs=1e-6)
    text = legal_messages(check, "fr")[1]
    assert "W" in text and "E" in text and " et " in text


# --- derogations from the communes' density class --------------------------------


def spread(km, communes, **kw):
    """Two participants ``km`` apart, in the given communes."""
    a, b = communes
    return [at("P1", commune=a, **kw), at("P2", east_m=km * 1000.0, commune=b, **kw)]


def test_all_rural_communes_may_request_20_km():
    check = check_perimeter(spread(15.0, ("1", "2")), {"1": 5, "2": 7})
    assert check.status == "derogation" and not check.ok
    assert check.derogation == "rural_20km" and check.derogation_limit_km == 20.0
    assert check.eligible == ("periurban_10km", "rural_20km")
    keys = [m.key for m in check.messages]
    assert keys[-1] == "legal.perimeter.request_rural_20km"


def test_all_rural_within_10_km_requests_the_smaller_derogation():
    check = check_perimeter(spread(8.0, ("1", "2")), {"1": 6, "2": 6})
    assert check.derogation == "periurban_10km"


def test_rural_and_periurban_communes_may_request_10_km_only():
    density = {"1": 5, "2": 3}
    within = check_perimeter(spread(9.0, ("1", "2")), density)
    assert within.derogation == "periurban_10km" and within.derogation_limit_km == 10.0
    beyond = check_perimeter(spread(15.0, ("1", "2")), density)
    assert beyond.status == "too_far" and beyond.eligible == ("periurban_10km",)
    assert beyond.messages[-1] == LegalMessage(
        "legal.perimeter.derogation_short", (("derogation_limit_km", 10.0),)
    )


@pytest.mark.parametrize("urban_level", [1, 2])
def test_one_urban_commune_leaves_only_2_km(urban_level):
    check = check_perimeter(spread(3.0, ("1", "2")), {"1": 7, "2": urban_level})
    assert check.status == "too_far" and check.eligible == () and check.derogation is None
    urban = [m for m in check.messages if m.key == "legal.perimeter.urban"]
    assert urban[0].params == (("communes", (("2", DENSITY_CLASSES[urban_level]),)),)


def test_the_demo_commune_nantes_is_a_large_urban_centre():
    check = check_perimeter(spread(2.5, ("44109", "44109")), DEMO_DENSITY)
    assert check.status == "too_far"
    fr = " ".join(legal_messages(check, "fr"))
    assert "44109 (grands centres urbains)" in fr


def test_unknown_density_or_commune_is_asked_for():
    missing = check_perimeter(spread(3.0, ("1", "2")), {"1": 5})
    assert missing.status == "too_far"
    assert LegalMessage("legal.perimeter.density_missing", (("communes", ("2",)),)) in (
        missing.messages
    )
    no_commune = check_perimeter([at("P1", commune="1"), at("P2", east_m=3000.0)], {"1": 5})
    assert LegalMessage("legal.perimeter.commune_missing", (("names", ("P2",)),)) in (
        no_commune.messages
    )


def test_density_levels_are_read_as_numbers_or_names():
    assert density_class(5) == density_class("5") == density_class("bourgs_ruraux")
    for bad in (0, 8, "rural", None):
        with pytest.raises(ValueError):
            density_class(bad)


def test_no_distance_derogation_outside_the_mainland():
    rules = LegalRules(mainland=False)
    check = check_perimeter(spread(15.0, ("1", "2")), {"1": 7, "2": 7}, rules)
    assert check.status == "too_far" and check.eligible == ()
    assert check.messages[-1].key == "legal.perimeter.not_mainland"


# --- the public-body (EPCI) derogation ---------------------------------------------


def public_project(extra=(), kwp=100.0):
    epci = "200000001"
    return [
        at("Mairie", commune="1", epci=epci, body="commune", role="producer", kwp=kwp),
        at("Ecole", east_m=30_000.0, commune="2", epci=epci, body="public"),
        at("Piscine", north_m=25_000.0, commune="3", epci=epci, body="public"),
        *extra,
    ]


def test_public_bodies_inside_one_epci_have_no_distance_limit():
    check = check_legality(public_project(), {"1": 1, "2": 1, "3": 1})
    per = check.perimeter
    assert per.status == "derogation" and per.derogation == "public_epci"
    assert per.derogation_limit_km is None and per.distance_km > 30.0
    assert per.messages[-1].key == "legal.perimeter.request_public_epci"
    assert check.power.ok and check.possible and not check.ok


def test_a_household_rules_out_the_public_derogation():
    house = at("Foyer 1", east_m=1000.0, commune="1", epci="200000001")
    check = check_perimeter(public_project([house]))
    assert check.status == "too_far" and "public_epci" not in check.eligible
    assert LegalMessage("legal.public.private", (("names", ("Foyer 1",)),)) in check.messages


def test_a_point_outside_the_epci_rules_out_the_public_derogation():
    gym = at("Gymnase", east_m=5000.0, commune="9", epci="200000009", body="public")
    check = check_perimeter(public_project([gym]))
    assert check.status == "too_far"
    assert check.messages[-1] == LegalMessage(
        "legal.public.outside", (("names", ("Gymnase",)), ("epci", "200000001"))
    )


def test_communes_of_two_epci_rule_out_the_public_derogation():
    other = at("Mairie 2", east_m=3000.0, commune="9", epci="200000009", body="commune")
    check = check_perimeter(public_project([other]))
    assert check.messages[-1].key == "legal.public.several_epci"


# --- power -------------------------------------------------------------------------


def producers(*kwps, **kw):
    return [
        at(f"Toit {k}", east_m=10.0 * k, role="producer", kwp=p, **kw) for k, p in enumerate(kwps)
    ]


def test_power_below_5_mw_is_ok_and_5_mw_is_not():
    assert check_power(producers(2000.0, 2999.0)).ok
    at_cap = check_power(producers(2000.0, 3000.0))
    assert at_cap.status == "too_big" and at_cap.excess_kwp == 0.0
    over = check_power(producers(4000.0, 2500.0))
    assert over.status == "too_big" and over.excess_kwp == pytest.approx(1500.0)
    assert over.total_kwp == pytest.approx(6500.0) and over.cap_kwp == 5000.0


def test_consumers_power_does_not_count():
    ps = [*producers(100.0), at("Foyer", role="consumer", kwp=9000.0)]
    assert check_power(ps).total_kwp == pytest.approx(100.0)


def test_public_derogation_raises_the_cap_to_10_mw():
    below = check_power(public_project(kwp=9000.0))
    assert below.status == "derogation" and below.derogation_cap_kwp == 10000.0
    assert below.messages[0].key == "legal.power.request_public_epci"
    at_cap = check_power(public_project(kwp=10000.0))
    assert at_cap.status == "too_big" and at_cap.excess_kwp == 0.0
    over = legal_messages(check_power(public_project(kwp=12000.0)), "en")[0]
    assert "below 10,000 kWc" in over and "more than 2,000 kWc" in over


def test_zni_cap_is_half_a_megawatt():
    check = check_power(producers(600.0), LegalRules(mainland=False))
    assert check.status == "too_big" and check.cap_kwp == 500.0
    assert check.excess_kwp == pytest.approx(100.0)


# --- validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "ps",
    [
        [at("A"), at("A", east_m=10.0)],
        [at("A", role="battery")],
        [at("A", body="association")],
        [at("A", role="producer", kwp=-1.0)],
        [Participant("A", float("nan"), LAT0)],
    ],
)
def test_bad_participants_are_refused(ps):
    with pytest.raises(ValueError):
        check_legality(ps)


def test_one_participant_has_nothing_to_check():
    check = check_legality([at("A", role="producer", kwp=9.0)])
    assert check.ok and check.perimeter.distance_km == 0.0
    assert legal_messages(check.perimeter, "en") == [
        "Only one participant so far: no distance to check."
    ]


# --- words -------------------------------------------------------------------------


def every_check():
    rural = {"1": 5, "2": 7, "3": 3}
    yield check_legality([at("A", role="producer", kwp=9.5)])
    yield check_legality([at("A"), at("B", east_m=1900.0)])
    yield check_legality(spread(2.5, ("44109", "44109")), DEMO_DENSITY)
    yield check_legality(spread(15.0, ("1", "2")), rural)
    yield check_legality(spread(8.0, ("1", "3")), rural)
    yield check_legality(spread(15.0, ("1", "3")), rural)
    yield check_legality(spread(3.0, ("1", "9")), rural)
    yield check_legality([at("P1", commune="1"), at("P2", east_m=3000.0)], rural)
    yield check_legality(spread(30.0, ("1", "2")), rural, LegalRules(mainland=False))
    yield check_legality(public_project(kwp=9000.0))
    yield check_legality(public_project([at("Foyer", commune="1", epci="200000001")]))
    yield check_legality(public_project([at("G", commune="9", epci="9", body="public")]))
    yield check_legality(public_project([at("M", commune="9", epci="9", body="commune")]))
    yield check_legality(producers(4000.0, 2500.0))
    yield check_legality([at(f"F{k}", east_m=3000.0 * (k % 2) + k) for k in range(12)])


def test_every_message_renders_in_both_languages_and_says_what_to_change():
    seen = set()
    for check in every_check():
        for lang in ("fr", "en"):
            for text in legal_messages(check, lang):
                assert text and "{" not in text and "}" not in text
        seen |= {m.key for part in (check.perimeter, check.power) for m in part.messages}
    source = (ROOT / "planner" / "legality.py").read_text(encoding="utf-8")
    literal_keys = set(re.findall(r"\"(legal\.[a-z0-9_.]+)\"", source))
    literal_keys = {k for k in literal_keys if not k.startswith("legal.map.")}  # drawn below
    assert literal_keys <= seen | {"legal.and", "legal.and_others"}
    for derogation in ("periurban_10km", "rural_20km"):
        assert f"legal.perimeter.request_{derogation}" in seen
    assert all(f"legal.density.{name}" in catalogue() for name in DENSITY_CLASSES.values())


def test_messages_name_the_participants_and_the_figures_in_each_language():
    check = check_perimeter([at("A"), at("C", east_m=800.0), at("B", east_m=2600.0)])
    fr, en = legal_messages(check, "fr"), legal_messages(check, "en")
    assert "A et B" in fr[0] and "2,60 km" in fr[0] and "2 km" in fr[0]
    assert "A and B" in en[0] and "2.60 km" in en[0]
    assert fr[1].startswith("Retirez B") and "0,80 km" in fr[1]
    assert en[1].startswith("Remove B")


def test_a_distance_just_over_the_limit_does_not_read_as_the_limit():
    msg = LegalMessage(
        "legal.perimeter.too_far",
        (("a", "A"), ("b", "B"), ("distance_km", 2.004), ("limit_km", 2.0)),
    )
    assert "2,004 km" in message_text(msg, "fr") and "2.004 km" in message_text(msg, "en")


def test_long_lists_name_five_and_count_the_others():
    msg = LegalMessage("legal.perimeter.commune_missing", (("names", tuple("ABCDEFGH")),))
    assert "A, B, C, D, E et 3 autres" in message_text(msg, "fr")


def test_names_are_escaped_for_markdown_only_when_asked():
    check = check_perimeter([at("*x*"), at("[y](http://e.org)", east_m=2500.0)])
    plain = legal_messages(check, "fr")[0]
    assert "*x*" in plain
    escaped = legal_messages(check, "fr", markdown=True)[0]
    assert "\\*x\\*" in escaped and "\\[y\\]" in escaped


def test_power_figures_in_both_languages():
    check = check_power(producers(4000.0, 2500.0))
    assert "6 500 kWc" in legal_messages(check, "fr")[0].replace("\u202f", " ")
    assert "1,500 kWc" in legal_messages(check, "en")[0]


# --- what to draw ------------------------------------------------------------------


def test_the_drawing_is_the_diameter_and_the_area_within_the_limit_of_everyone():
    ps = [
        at("A"),
        at("B", east_m=1200.0),
        at("C", north_m=900.0),
        at("D", east_m=400.0, north_m=300.0),
    ]
    drawing = perimeter_drawing(ps)
    i, j, d = farthest_pair([p.lon for p in ps], [p.lat for p in ps])
    assert set(drawing.names) == {ps[i].name, ps[j].name}
    assert drawing.distance_km == pytest.approx(d / 1000.0)
    assert drawing.segment.coords[0] == (ps[i].lon, ps[i].lat)
    assert drawing.segment.coords[-1] == (ps[j].lon, ps[j].lat)
    # Every participant is in the zone, and its edge is 2 km from the farthest one.
    assert all(drawing.zone.buffer(1e-9).contains(Point(p.lon, p.lat)) for p in ps)
    for x, y in list(drawing.zone.exterior.coords)[::7]:
        farthest = max(GEOD.inv(x, y, p.lon, p.lat)[2] for p in ps)
        assert farthest == pytest.approx(2000.0, rel=0.01)
    # Not a circle around a centre: the zone is narrower across the diameter.
    assert drawing.zone.area < np.pi * (2.0 / 111.0) ** 2 / np.cos(np.radians(LAT0))


def test_no_zone_when_the_two_farthest_are_more_than_twice_the_limit_apart():
    drawing = perimeter_drawing([at("A"), at("B", east_m=4500.0)])
    assert drawing.zone is None
    kinds = [f["properties"]["kind"] for f in drawing.features("fr")["features"]]
    assert kinds == ["segment", "end", "end"]


def test_the_drawing_is_geojson_with_labels_in_each_language():
    drawing = perimeter_drawing([at("A"), at("B", east_m=2600.0)], limit_km=10.0)
    fr = drawing.features("fr")
    json.dumps(fr)
    labels = {f["properties"]["kind"]: f["properties"]["label"] for f in fr["features"]}
    assert labels["segment"].startswith("A – B : 2,60 km") and "10 km" in labels["segment"]
    assert "10 km" in labels["zone"]
    en = drawing.features("en")
    assert "2.60 km" in en["features"][1]["properties"]["label"]
    assert perimeter_drawing([at("A")]) is None


def test_demo_tables_hold_nantes():
    assert density_class(DEMO_DENSITY["44109"]) == "grands_centres_urbains"
    assert DEMO_EPCI["44109"] == "244400404"
