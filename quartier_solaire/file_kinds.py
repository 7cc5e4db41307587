"""Which reader inspects which kind of file: one table for the command line and the planner.

Names only, imported lazily, so that the command line starts without loading
geopandas, pvlib or the planner.
"""

# Each kind of file has one inspector, tried in this order; an inspector raises
# NotRecognised for files of another kind. (module, function) pairs are imported
# lazily so that `inspect` on a CSV does not pay for geopandas.
INSPECTORS: tuple[tuple[str, str, str], ...] = (
    ("buildings", "geodata.io", "inspect_buildings"),
    ("weather", "solar.weather_files", "inspect_weather"),
    ("consumption", "planner.consumption_io", "inspect_consumption"),
)
