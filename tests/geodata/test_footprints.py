from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity

from geodata.footprints import decompose_footprint, split_footprint

# Lambert-93 coordinates of Nantes: the split must work on large coordinates.
X0, Y0 = 353000.0, 6689000.0


def place(geom, turn_deg=0.0):
    """Turn `geom` counter-clockwise about the origin, then move it to Nantes."""
    return affinity.translate(affinity.rotate(geom, turn_deg, origin=(0, 0)), X0, Y0)


def union(*boxes):
    return shapely.union_all([shapely.box(*b) for b in boxes])


def assert_tiles(footprint, parts):
    assert sum(p.area for p in parts) == pytest.approx(footprint.area, rel=1e-7)
    # Tiles are cut on a 1e-7 m grid: edges move by at most that much.
    assert shapely.union_all(parts).symmetric_difference(footprint).area < 1e-5
    assert all(p.is_valid for p in parts)


@pytest.mark.parametrize("turn", [0.0, 30.0, -73.0])
def test_l_shape_two_wings(turn):
    house = place(union((0, 0, 10, 6), (0, 6, 6, 16)), turn)
    split = split_footprint(house)
    assert split.shape == "L-shape" and split.split
    assert_rel_areas = sorted(p.area for p in split.parts)
    assert assert_rel_areas == pytest.approx([60.0, 60.0])
    assert_tiles(house, split.parts)
    # Wings 10 x 6 m and 6 x 10 m, at right angles, along the turned axes.
    assert sorted(round(w.area, 6) for w in split.wings) == [60.0, 96.0]
    assert split.axis_deg == pytest.approx(np.mod(90.0 - turn, 90.0), abs=1e-9)
    for rect in split.rectangles:
        assert rect.area == pytest.approx(60.0)


def test_corner_l_stub_has_the_long_wing():
    split = split_footprint(place(union((0, 0, 10, 6), (0, 0, 6, 10))))
    assert split.shape == "L-shape"
    assert [round(p.area, 6) for p in split.parts] == [60.0, 24.0]
    # The stub (6 x 4 or 4 x 6) belongs to a 10 x 6 wing that runs through the corner.
    assert split.wings[1].area == pytest.approx(60.0)
    assert split.wings[1].contains(split.parts[1].buffer(-1e-6))


@pytest.mark.parametrize(
    ("boxes", "shape", "n"),
    [
        ([(0, 8, 14, 14), (4, 0, 10, 8)], "T-shape", 2),
        ([(0, 0, 10, 6), (6, 6, 16, 12)], "Z-shape", 2),
        ([(0, 0, 16, 6), (0, 6, 6, 14), (10, 6, 16, 14)], "U-shape", 3),
        ([(6, 0, 12, 18), (0, 6, 18, 12)], "cross", 3),
        ([(0, 0, 4, 14), (10, 0, 14, 14), (4, 5, 10, 9)], "H-shape", 3),
        ([(0, 0, 12, 4), (0, 4, 8, 8), (0, 8, 4, 12)], "rectilinear", 3),  # a staircase
    ],
)
def test_t_z_u_and_cross(boxes, shape, n):
    house = place(union(*boxes), 17.0)
    split = split_footprint(house)
    assert split.shape == shape
    assert len(split.parts) == n
    assert_tiles(house, split.parts)
    assert decompose_footprint(house) == list(split.parts)


def test_courtyard_block_splits_into_four_wings():
    ring = shapely.box(0, 0, 30, 30).difference(shapely.box(8, 8, 22, 22))
    split = split_footprint(place(ring, 5.0))
    assert len(split.parts) == 4
    assert_tiles(place(ring, 5.0), split.parts)


def test_rectangles_and_small_bumps_are_one_part():
    house = place(shapely.box(0, 0, 12, 8), 40.0)
    assert split_footprint(house).shape == "rectangle"
    assert decompose_footprint(house) == [house]
    # A 2 x 1.5 m porch is below min_part_area_m2: one wing, the porch is not a wing.
    porch = place(union((0, 0, 12, 8), (5, 8, 7, 9.5)))
    assert split_footprint(porch).shape == "rectangle"
    split = split_footprint(porch, min_part_area_m2=2.0)
    assert len(split.parts) == 2
    # An L with a porch on one wing: two wings, the porch joins its wing.
    l_porch = place(union((0, 0, 10, 6), (0, 6, 6, 16), (10, 2, 11, 4)), 20.0)
    split = split_footprint(l_porch)
    assert split.shape == "L-shape" and len(split.parts) == 2
    assert_tiles(l_porch, split.parts)


def test_small_deviations_are_snapped():
    # An L whose corners are off by up to 8 cm and whose walls lean by about 1 deg.
    coords = np.array([(0, 0), (10, 0.08), (10.05, 6), (6, 6.1), (5.92, 16), (0.1, 16.03)])
    house = place(shapely.Polygon(coords), 62.0)
    split = split_footprint(house)
    assert split.shape == "L-shape"
    assert_tiles(house, split.parts)
    assert sorted(p.area for p in split.parts) == pytest.approx([60, 60], rel=0.03)


def test_non_rectilinear_shapes_are_complex():
    disc = shapely.Point(X0, Y0).buffer(7.0, quad_segs=6)
    chevron = place(
        shapely.box(0, 0, 12, 5).union(affinity.rotate(shapely.box(0, 0, 12, 5), 45, (0, 0)))
    )
    triangle = place(shapely.Polygon([(0, 0), (12, 0), (0, 9)]))
    for shape in (disc, chevron, triangle):
        split = split_footprint(shape)
        assert split.shape == "complex" and not split.split
        assert split.parts == (shape,)
    # Too many wings for max_parts.
    comb = place(union((0, 0, 30, 4), *[(6 * k, 4, 6 * k + 3, 12) for k in range(5)]))
    assert split_footprint(comb).shape == "rectilinear"
    assert split_footprint(comb, max_parts=3).shape == "complex"
    assert split_footprint(shapely.Polygon()).shape == "complex"


@settings(max_examples=60, deadline=None)
@given(
    w1=st.floats(4, 20),
    h1=st.floats(4, 12),
    w2=st.floats(4, 12),
    h2=st.floats(4, 20),
    shift=st.floats(-10, 20),
    turn=st.floats(-90, 90),
)
def test_parts_tile_any_two_box_footprint(w1, h1, w2, h2, shift, turn):
    local = union((0, 0, w1, h1), (shift, h1 - 1e-3, shift + w2, h1 + h2))
    if local.geom_type != "Polygon":
        return
    house = place(local, turn)
    split = split_footprint(house)
    assert 1 <= len(split.parts) <= 6
    assert_tiles(house, split.parts)
    assert len(split.wings) == len(split.rectangles) == (len(split.parts) if split.split else 0)
    assert not math.isnan(split.axis_deg)
