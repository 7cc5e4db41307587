"""Buildings in, roof planes and shading out (geopandas, shapely). No Streamlit here."""

from geodata.clusters import (
    ClusterSummary,
    building_clusters,
    cluster_summary,
    keep_main_group,
    representative_point,
)
from geodata.demo import DEMO_SITE, demo_buildings, demo_geojson
from geodata.footprints import FootprintSplit, decompose_footprint, split_footprint
from geodata.io import BuildingReport, fetch_osm_buildings, inspect_buildings, read_buildings
from geodata.lookup import building_at
from geodata.metric import bearing, lonlat_bounds, metric_crs, north_bearing
from geodata.roofs import PLANE_COLUMNS, RoofParams, roof_planes
from geodata.schema import BUILDING_COLUMNS, USAGES, normalise_buildings
from geodata.shading import ShadingParams, horizon_frame, horizon_profiles

__all__ = [
    "BUILDING_COLUMNS",
    "DEMO_SITE",
    "PLANE_COLUMNS",
    "USAGES",
    "BuildingReport",
    "ClusterSummary",
    "FootprintSplit",
    "RoofParams",
    "ShadingParams",
    "bearing",
    "building_at",
    "building_clusters",
    "cluster_summary",
    "decompose_footprint",
    "demo_buildings",
    "demo_geojson",
    "fetch_osm_buildings",
    "horizon_frame",
    "horizon_profiles",
    "inspect_buildings",
    "keep_main_group",
    "lonlat_bounds",
    "metric_crs",
    "normalise_buildings",
    "north_bearing",
    "read_buildings",
    "representative_point",
    "roof_planes",
    "split_footprint",
]
