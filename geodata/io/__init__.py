"""Building readers: every source becomes the normalised schema of :mod:`geodata.schema`.

Each reader returns ``(buildings, report)``: a GeoDataFrame in EPSG:4326 with
the schema columns, and a :class:`BuildingReport` of what was kept, repaired
and dropped. :func:`read_buildings` recognises the format by itself.
"""

from geodata.io._common import MIN_AREA_M2, BuildingReport
from geodata.io.bdtopo import read_bdtopo_buildings
from geodata.io.cadastre import read_cadastre_buildings
from geodata.io.osm import fetch_osm_buildings, parse_other_tags, read_osm_buildings
from geodata.io.vector import inspect_buildings, read_buildings, read_vector_buildings

__all__ = [
    "MIN_AREA_M2",
    "BuildingReport",
    "fetch_osm_buildings",
    "inspect_buildings",
    "parse_other_tags",
    "read_bdtopo_buildings",
    "read_buildings",
    "read_cadastre_buildings",
    "read_osm_buildings",
    "read_vector_buildings",
]
