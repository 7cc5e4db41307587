"""A collective project: producer roofs, participating households, and what it gives.

A :class:`Community` holds the production of the chosen roof planes and the
consumption of the participants per settlement step (15 min, the ACC grid of
Enedis; 30 min selectable), each participant flagged ``"measured"`` (a curve a
resident shared) or ``"estimated"`` (:func:`planner.estimate.estimate_profile`).
:func:`evaluate` shares the production with one allocation key
(:func:`planner.allocation.allocate`), prices it (:func:`planner.economics.economics`),
checks the perimeter and power rules (:func:`planner.legality.check_legality`)
and gives each household's savings. :func:`compare_keys` runs several keys on
the same project. :func:`demo_community` builds the embedded demo project.
No Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.allocation import Allocation, Battery, allocate, round_coefficients
from planner.economics import EconomicParams, Economics, economics, household_savings
from planner.estimate import Household, estimate_profile
from planner.flows import EnergyFlows
from planner.legality import LegalCheck, Participant, check_legality
from planner.rooftops import RooftopRun

__all__ = [
    "COMPARED_KEYS",
    "STEPS",
    "Community",
    "CommunityResult",
    "Consumer",
    "Producer",
    "allocate_community",
    "compare_keys",
    "default_producers",
    "demo_community",
    "evaluate",
    "key_options",
    "producer_roofs",
]

STEPS: tuple[str, ...] = ("15min", "30min")
"""Settlement steps: Enedis settles ACC operations every 15 min; 30 min selectable."""

COMPARED_KEYS: tuple[str, ...] = ("static", "dynamic_default", "priority", "custom")
"""Keys the comparator runs by default (``custom``: the dynamic key as exported to Enedis)."""

# Usages of the public buildings whose roofs the demo cooperative uses.
_PUBLIC_USAGES = ("school", "sports", "townhall", "public")
_HOME_USAGES = ("residential", "apartments", "house", "detached", "terrace")


@dataclass(frozen=True)
class Producer:
    """A producer roof: a building's suitable planes.

    Attributes
    ----------
    name : str
        The building's id.
    kwp : float
        Installed power of its suitable planes [kWc].
    lon, lat : float
        Where it is, WGS84 [degrees].
    body : str
        Its owner, one of :data:`planner.legality.BODIES` (the demo's schools and
        sports hall: ``"commune"``, an assumption).
    """

    name: str
    kwp: float
    lon: float
    lat: float
    body: str = "private"


@dataclass(frozen=True)
class Consumer:
    """A participating household, under a pseudonym.

    Attributes
    ----------
    name : str
        Pseudonym (``P01``, ...): never a name or an address.
    building_id : str
        The building it lives in.
    lon, lat : float
        Its delivery point, WGS84 [degrees] (the building's).
    source : str
        ``"measured"`` (a shared load curve) or ``"estimated"`` (a model).
    """

    name: str
    building_id: str
    lon: float
    lat: float
    source: str = "estimated"


@dataclass(frozen=True)
class Community:
    """Producers and consumers of a collective project on one settlement grid.

    Attributes
    ----------
    production : pandas.DataFrame
        Energy per step (rows) and producer (columns, their names) [kWh].
    consumption : pandas.DataFrame
        Energy per step and consumer (columns, their pseudonyms) [kWh], same index.
    producers, consumers : tuple
        :class:`Producer` and :class:`Consumer` in column order.
    step : str
        ``"15min"`` or ``"30min"``.
    """

    production: pd.DataFrame = field(repr=False)
    consumption: pd.DataFrame = field(repr=False)
    producers: tuple[Producer, ...]
    consumers: tuple[Consumer, ...]
    step: str = "15min"

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"step must be one of {STEPS}")
        if not self.production.index.equals(self.consumption.index):
            raise ValueError("production and consumption must share one time grid")
        if list(self.production.columns) != [p.name for p in self.producers]:
            raise ValueError("production columns must be the producers' names")
        if list(self.consumption.columns) != [c.name for c in self.consumers]:
            raise ValueError("consumption columns must be the consumers' pseudonyms")

    @property
    def total_production(self) -> pd.Series:
        """Pooled production per step [kWh]."""
        return self.production.sum(axis=1).rename("PROD")

    @property
    def kwp(self) -> tuple[float, ...]:
        """Installed power of each producer [kWc]."""
        return tuple(p.kwp for p in self.producers)

    @property
    def estimated(self) -> pd.Series:
        """Whether each consumer's profile is an estimate, by pseudonym."""
        return pd.Series(
            [c.source == "estimated" for c in self.consumers],
            index=self.consumption.columns,
            name="estimated",
        )

    def participants(self) -> list[Participant]:
        """Every site as :class:`planner.legality.Participant` (households are private)."""
        return [
            Participant(p.name, p.lon, p.lat, role="producer", kwp=p.kwp, body=p.body)
            for p in self.producers
        ] + [Participant(c.name, c.lon, c.lat) for c in self.consumers]


@dataclass(frozen=True)
class CommunityResult:
    """What a project gives under one key.

    Attributes
    ----------
    allocation : Allocation
        Enedis flows per participant and step (the battery is one, when present).
    totals : EnergyFlows
        Yearly totals [kWh] and rates; PROD is the roofs' production.
    economics : Economics
        NPV, IRR, paybacks, LCOE, CO2e avoided, yearly cash flows.
    legal : LegalCheck
        Perimeter and power rules.
    households : pandas.DataFrame
        Per pseudonym: ``estimated``, ``cons_kwh``, ``autocons_kwh``,
        ``self_production_rate`` [-], ``savings_eur`` [EUR, first year].
    """

    allocation: Allocation = field(repr=False)
    totals: EnergyFlows
    economics: Economics
    legal: LegalCheck
    households: pd.DataFrame = field(repr=False)


def key_options(community: Community, key: str, options: Mapping | None = None) -> dict:
    """The options :func:`planner.allocation.allocate` needs for ``key`` on this project.

    ``static`` without ``shares``: each household's share of the annual
    consumption. ``custom`` without ``coefficients``: the dynamic key's
    coefficients rounded as they are sent to Enedis
    (:func:`planner.allocation.round_coefficients`). ``priority`` without
    ``levels``: one level. Given options are kept.
    """
    out = dict(options or {})
    cons = community.consumption
    if key == "static" and "shares" not in out:
        annual = cons.sum()
        out["shares"] = annual / annual.sum() if annual.sum() > 0 else annual * 0.0
    elif key == "custom" and "coefficients" not in out:
        exact = allocate(community.total_production, cons, key="dynamic_default")
        out["coefficients"] = round_coefficients(exact)
    return out


def allocate_community(
    community: Community,
    key: str = "dynamic_default",
    options: Mapping | None = None,
    battery: Battery | None = None,
) -> Allocation:
    """The Enedis flows of the project under ``key`` (options from :func:`key_options`)."""
    return allocate(
        community.total_production,
        community.consumption,
        key=key,
        battery=battery,
        **key_options(community, key, options),
    )


def evaluate(
    community: Community,
    key: str = "dynamic_default",
    options: Mapping | None = None,
    battery: Battery | None = None,
    economic_params: EconomicParams | None = None,
    *,
    allocation: Allocation | None = None,
) -> CommunityResult:
    """Share the production with ``key`` and give the project's figures.

    Parameters
    ----------
    community : Community
    key : str
        An allocation key (:data:`planner.allocation.KEYS`).
    options : mapping, optional
        The key's options; defaults from :func:`key_options`.
    battery : Battery, optional
        A shared battery dispatched after the key (its cost is not counted).
    economic_params : EconomicParams, optional
    allocation : Allocation, optional
        :func:`allocate_community` of the same inputs, already computed (a
        cache): the economics change without sharing the production again.

    Returns
    -------
    CommunityResult
        The typical year's energies are taken as the first year's.
    """
    params = economic_params or EconomicParams()
    production = community.total_production
    flows = allocation or allocate_community(community, key, options, battery)
    # The households' self-consumed kWh: the battery's charge is not a sale.
    names = community.consumption.columns
    autocons = flows.autocons[names].sum()
    cons = community.consumption.sum()
    prod_kwh = float(production.sum())
    shared_kwh = float(autocons.sum())
    households = pd.DataFrame(
        {
            "estimated": community.estimated,
            "cons_kwh": cons,
            "autocons_kwh": autocons,
            "self_production_rate": (autocons / cons.where(cons > 0)).astype(float),
            "savings_eur": household_savings(autocons, params),
        }
    )
    cons_kwh = float(cons.sum())
    totals = EnergyFlows(
        prod_kwh=prod_kwh,
        cons_kwh=cons_kwh,
        autocons_kwh=shared_kwh,
        surplus_kwh=max(prod_kwh - shared_kwh, 0.0),
        complement_kwh=max(cons_kwh - shared_kwh, 0.0),
    )
    return CommunityResult(
        allocation=flows,
        totals=totals,
        economics=economics(prod_kwh, shared_kwh, list(community.kwp), params),
        legal=check_legality(community.participants()),
        households=households,
    )


def compare_keys(
    community: Community,
    keys: Sequence[str] = COMPARED_KEYS,
    options: Mapping[str, Mapping] | None = None,
    economic_params: EconomicParams | None = None,
    *,
    allocations: Mapping[str, Allocation] | None = None,
) -> pd.DataFrame:
    """Run every key on the same project: per household, kWh self-consumed and euros saved.

    Parameters
    ----------
    community : Community
    keys : sequence of str
    options : mapping, optional
        Options per key name; defaults from :func:`key_options`.
    economic_params : EconomicParams, optional
    allocations : mapping, optional
        :func:`allocate_community` of some keys with the same options, already
        computed (a cache), by key name.

    Returns
    -------
    pandas.DataFrame
        One row per pseudonym plus a last row ``"total"``; columns a
        MultiIndex (key, ``"autocons_kwh"`` | ``"savings_eur"``), and
        ``("estimated", "")``.
    """
    params = economic_params or EconomicParams()
    options, allocations = options or {}, allocations or {}
    parts = {}
    for key in keys:
        flows = allocations.get(key) or allocate_community(community, key, options.get(key))
        autocons = flows.autocons[community.consumption.columns].sum()
        parts[(key, "autocons_kwh")] = autocons
        parts[(key, "savings_eur")] = household_savings(autocons, params)
    table = pd.DataFrame(parts)
    table.loc["total"] = table.sum()
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.insert(0, ("estimated", ""), community.estimated.reindex(table.index))
    return table


# --- building a project from the rooftop chain ----------------------------------------


def producer_roofs(run: RooftopRun, buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """The buildings with suitable planes, largest first: usage, kWp, MWh/yr, lon, lat."""
    roofs = run.buildings.loc[run.buildings["suitable_kwp"] > 0]
    where = _points(buildings)
    table = pd.DataFrame(
        {
            "usage": where["usage"].reindex(roofs.index),
            "kwp": roofs["suitable_kwp"].astype(float),
            "mwh_per_year": roofs["suitable_annual_kwh"].astype(float) / 1000.0,
            "lon": where["lon"].reindex(roofs.index),
            "lat": where["lat"].reindex(roofs.index),
        }
    )
    return table.sort_values("kwp", ascending=False, kind="stable")


def default_producers(roofs: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` largest suitable roofs of public buildings (school, sports hall, ...).

    ``roofs`` as :func:`producer_roofs` returns them; the largest roof of all
    when no public building has one.
    """
    public = roofs.index[roofs["usage"].isin(_PUBLIC_USAGES)][:n].tolist()
    return public or roofs.index[:1].tolist()


def _points(buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Lon, lat of each building's representative point, and its usage, by id."""
    frame = buildings.to_crs(4326) if buildings.crs is not None else buildings
    points = frame.geometry.representative_point()
    return pd.DataFrame(
        {
            "lon": points.x.to_numpy(),
            "lat": points.y.to_numpy(),
            "usage": frame["usage"].astype(object).to_numpy() if "usage" in frame else None,
            "dwellings": frame["dwellings"].to_numpy() if "dwellings" in frame else 1,
        },
        index=pd.Index(frame["id"].astype(str), name="building_id"),
    )


def _production(
    run: RooftopRun, roofs: pd.DataFrame, ids: Sequence[str], step: str
) -> tuple[pd.DataFrame, tuple[Producer, ...]]:
    planes = run.planes
    columns, producers = {}, []
    for building in ids:
        chosen = planes.index[(planes["building_id"] == building) & planes["suitable"]]
        columns[building] = run.simulation.energy(chosen, step).to_numpy()
        row = roofs.loc[building]
        body = "commune" if row["usage"] in _PUBLIC_USAGES else "private"
        producers.append(
            Producer(building, float(row["kwp"]), float(row["lon"]), float(row["lat"]), body)
        )
    index = run.simulation.energy(planes.index[:0], step).index
    return pd.DataFrame(columns, index=index), tuple(producers)


def _demo_household(rng: np.random.Generator, apartment: bool) -> Household:
    """One plausible household; the mix is our assumption, not a statistic."""
    occupants = int(rng.integers(1, 6))
    heating = str(rng.choice(["other", "electric_direct", "heat_pump"], p=[0.55, 0.25, 0.2]))
    water = str(rng.choice(["offpeak", "daytime", "none"], p=[0.6, 0.1, 0.3]))
    area = float(rng.uniform(35, 90) if apartment else rng.uniform(70, 150))
    ev = float(rng.choice([0.0, 0.0, 0.0, 8000.0, 14000.0]))
    return Household(
        dwelling="apartment" if apartment else "house",
        floor_area_m2=round(area),
        occupants=occupants,
        heating=heating,
        water_heater=water,
        ev_km_per_year=ev,
        cooking=str(rng.choice(["electric", "gas"], p=[0.7, 0.3])),
    )


# Participants per building at most in the demo: a cooperative recruits in several
# streets, not one block of flats (our choice).
_DEMO_PER_BUILDING = 4


def _homes_near(points: pd.DataFrame, lon: float, lat: float, n: int) -> list[str]:
    """Building id of each of ``n`` households, nearest homes first, a few per building."""
    homes = points.loc[points["usage"].isin(_HOME_USAGES)]
    dx = (homes["lon"] - lon) * np.cos(np.radians(lat))
    order = np.argsort(np.hypot(dx, homes["lat"] - lat).to_numpy(), kind="stable")
    out: list[str] = []
    for building, dwellings in zip(
        homes.index[order], homes["dwellings"].to_numpy()[order], strict=True
    ):
        count = int(dwellings) if pd.notna(dwellings) and int(dwellings) > 0 else 1
        out += [building] * min(count, _DEMO_PER_BUILDING, n - len(out))
        if len(out) >= n:
            break
    return out


def demo_community(
    run: RooftopRun,
    buildings: gpd.GeoDataFrame,
    temp_air: pd.Series,
    *,
    producers: Sequence[str] | None = None,
    households: int = 40,
    step: str = "15min",
    seed: int = 0,
) -> Community:
    """The embedded demo project: public roofs and estimated households around them.

    Parameters
    ----------
    run : RooftopRun
        The rooftop chain's run on the neighbourhood.
    buildings : geopandas.GeoDataFrame
        Its buildings (``id``, ``usage``, ``dwellings``).
    temp_air : pandas.Series
        Hourly air temperature of the typical year [degC] for the estimates.
    producers : sequence of str, optional
        Producer building ids; by default the three largest suitable roofs of
        public buildings (school, sports hall).
    households : int
        Number of participating households, living in the homes nearest the
        producers (at most 4 per building, and no more than its dwellings).
    step : str
        ``"15min"`` or ``"30min"``.
    seed : int
        Seed of the households' varied parameters and of their estimates.

    Returns
    -------
    Community
        Every consumer ``"estimated"``, named ``P01``, ``P02``, ...
    """
    roofs = producer_roofs(run, buildings)
    if producers is None:
        producers = default_producers(roofs)
    production, sites = _production(run, roofs, list(producers), step)
    points = _points(buildings)
    lon = float(np.mean([p.lon for p in sites])) if sites else float(points["lon"].mean())
    lat = float(np.mean([p.lat for p in sites])) if sites else float(points["lat"].mean())
    homes = _homes_near(points, lon, lat, households)
    rng = np.random.default_rng(seed)
    width = max(2, len(str(len(homes))))
    consumers, columns = [], {}
    for i, building in enumerate(homes):
        apartment = points.at[building, "usage"] == "apartments"
        energy, _ = estimate_profile(
            _demo_household(rng, apartment), temp_air, step=step, seed=seed * 1000 + i
        )
        name = f"P{i + 1:0{width}d}"
        columns[name] = energy.reindex(production.index).to_numpy()
        consumers.append(
            Consumer(
                name, building, float(points.at[building, "lon"]), float(points.at[building, "lat"])
            )
        )
    return Community(
        production=production,
        consumption=pd.DataFrame(columns, index=production.index),
        producers=sites,
        consumers=tuple(consumers),
        step=step,
    )
