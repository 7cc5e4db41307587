"""What a collective solar project is worth: cash flows, NPV, IRR, paybacks, LCOE, CO2e.

The point of view is the cooperative that owns the panels (the PMO's producer).
Each year it sells the shared kWh (AUTOCONS) to its participants at the PMO's
price and the surplus (SURPLUS) to the grid, and pays the running costs. Year 0
holds the investment. A household saves the supplier tariff it no longer pays on
each shared kWh, less the PMO's price and the network charge and excise still
due on it.

Every default below is editable and cites where it comes from; the figures and
their sources are those of DESIGN.md, "Reference figures for defaults", unless
said otherwise. Figures that are our assumptions say so.

Conventions: cash flows are nominal [EUR]; prices, the displaced tariff and
running costs grow with ``inflation``; the surplus purchase price is fixed for the
contract (an S21 contract is indexed only partly; we keep it flat, which is
cautious); production falls by ``degradation_per_yr`` each year. Flows are
discounted at the nominal rate ``(1 + discount_rate) * (1 + inflation) - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq

# Upper edges of the size bands [kWc], inclusive, as in the S21 purchase tariff.
BAND_EDGES_KWP: tuple[float, ...] = (9.0, 36.0, 100.0)


@dataclass(frozen=True)
class EconomicParams:
    """Economic and carbon parameters of a project; every field editable.

    Attributes
    ----------
    capex_eur_per_kwp_by_band : tuple of 4 float
        Installed cost [EUR/kWc] for an installation of <= 9, 9-36, 36-100 and
        > 100 kWc. Anchors: ~3.05 EUR/Wp for a 3 kW home system (Observ'ER/ADEME
        2023, via journal-photovoltaique.org); 9 kWc quoted 15,000-22,000 EUR,
        i.e. ~2.06 EUR/Wp at mid-range (voltissima.fr, 2024); 100 kWc on an
        existing roof 80,000-100,000 EUR excl. VAT, i.e. ~0.9 EUR/Wp
        (opera-energie.com, 2024; CRE 2019 "Coûts et rentabilités du grand
        photovoltaïque" gave ~1.1). Band values: <= 9 kWc 2,500 (between the 3 kW
        and 9 kW anchors); 9-36 kWc 1,600 and 36-100 kWc 1,100 (log-linear
        interpolation between the 9 kW and 100 kW anchors at the bands' geometric
        middles, 18 and 60 kWc); > 100 kWc 900 (the 100 kWc anchor).
    opex_share_of_capex_per_yr : float
        Running costs as a share of the investment before any bonus [-/yr]
        (maintenance, insurance, metering, PMO management, inverter provision).
        Our assumption: 1.5 %/yr.
    degradation_per_yr : float
        Yearly production loss [-/yr]: 0.5 % (Jordan & Kurtz 2013, NREL).
    lifetime_yr : int
        Years of operation [yr]: 25, the module power warranty commonly given by
        manufacturers and the horizon of photovoltaique.info's profitability
        examples (our choice; panels often last longer).
    discount_rate : float
        Real discount rate [-/yr]: 4.5 %, the rate with a risk premium
        recommended for public investment appraisal in France (Quinet report,
        Commissariat général à la stratégie et à la prospective, 2013).
    inflation : float
        Yearly inflation [-/yr]: 2 %, the European Central Bank's medium-term
        target.
    shared_price_eur_per_kwh : float
        Price of a shared kWh inside the PMO [EUR/kWh], paid by the participant
        to the cooperative. Our assumption: 0.12, set by the PMO between the
        surplus purchase price and the displaced tariff less network charges and excise,
        so that both sides gain.
    supplier_tariff_eur_per_kwh : float
        Supplier tariff a shared kWh displaces [EUR/kWh incl. tax]: 0.1940,
        regulated Base option 3-6 kVA from 1 Feb 2026 (arrêté du 28 janvier 2026;
        CRE délibération 2026-06).
    surplus_price_eur_per_kwh_by_band : tuple of 4 float
        Price the surplus is sold at [EUR/kWh], by the same size bands: the S21
        purchase tariff, 0.04 (<= 9 kWc) and 0.0536 (9-100 kWc), Q1 2026 (CRE
        quarterly tariffs, via tecsol-quotidien.fr and a2cenergies.fr). The surplus
        of an installation taking part in an ACC operation can be sold under an
        S21 contract (helioze.fr, "L'autoconsommation collective"). Above
        100 kWc our table has no figure: the 9-100 kWc rate is kept (an
        assumption). An S21 contract lasts 20 years; beyond it, over a longer
        lifetime, the same price is kept (an assumption). Set a market price
        instead if the surplus goes to an aggregator.
    self_consumption_bonus_eur_per_kwp_by_band : tuple of 4 float
        S21 self-consumption bonus [EUR/kWc]: 80 (<= 9), 140 (9-36), 70 (36-100),
        0 above; Q1 2026 (same CRE source as the surplus tariff).
    self_consumption_bonus_applies : bool
        Whether the bonus is received. False by default: the bonus rewards
        individual self-consumption with surplus sale; an ACC operation does not
        receive State support for its shared kWh (exposé of amendment 3347 to the
        2019 energy bill, assemblee-nationale.fr). Set True for a roof that is
        also an individual self-consumption installation.
    turpe_acc_eur_per_kwh : float
        Network charge still due on each shared kWh [EUR/kWh], under the TURPE
        option for collective self-consumption, which bills the self-produced
        part of a participant's consumption at its own, lower rate. We did not
        find TURPE 7 figures for this option; the TURPE 6 figures for a BT <= 36
        kVA CU4 connection, self-produced part, were 1.64 / 1.29 / 0.77 / 0.37
        c€/kWh (high season peak / off-peak, low season peak / off-peak), against
        6.67 / 4.56 / 1.43 / 0.88 without the option (from Aug 2023; as used for
        billing by the Énergie de Nantes cooperative, github.com/Energie-De-Nantes/
        electricore). Default: their mean, 0.0102. The option also bills the rest
        of the consumption (from the supplier) above the standard rate; that
        extra is not counted here.
    excise_eur_per_kwh : float
        Excise duty (accise sur l'électricité) on each shared kWh [EUR/kWh]:
        0.02998 from 1 Aug 2025 (29.98 EUR/MWh, as used by the same cooperative's
        billing, electricore/config/accise_rules.csv). Assumed due on shared kWh;
        set 0 if your operation is exempt.
    grid_gco2e_per_kwh : float
        Carbon intensity of the grid electricity a PV kWh displaces [gCO2e/kWh]:
        32, French production 2023 (RTE, Bilan électrique 2023). Chosen over the
        80 of the RE2020 convention because that figure is for electric heating,
        a winter use, while PV produces mostly outside the heating season.
    pv_gco2e_per_kwh : float
        Life-cycle emissions of PV electricity [gCO2e/kWh]: ~40 for modules made
        in Asia, < 20 if made in France (ADEME, INCER-ACV, via photovoltaique.info).
        With 32 for the grid, PV made in Asia avoids nothing on the French grid
        average: the figure comes out negative, and we show it as it is.
    """

    capex_eur_per_kwp_by_band: tuple[float, float, float, float] = (2500.0, 1600.0, 1100.0, 900.0)
    opex_share_of_capex_per_yr: float = 0.015
    degradation_per_yr: float = 0.005
    lifetime_yr: int = 25
    discount_rate: float = 0.045
    inflation: float = 0.02
    shared_price_eur_per_kwh: float = 0.12
    supplier_tariff_eur_per_kwh: float = 0.1940
    surplus_price_eur_per_kwh_by_band: tuple[float, float, float, float] = (
        0.04,
        0.0536,
        0.0536,
        0.0536,
    )
    self_consumption_bonus_eur_per_kwp_by_band: tuple[float, float, float, float] = (
        80.0,
        140.0,
        70.0,
        0.0,
    )
    self_consumption_bonus_applies: bool = False
    turpe_acc_eur_per_kwh: float = 0.0102
    excise_eur_per_kwh: float = 0.02998
    grid_gco2e_per_kwh: float = 32.0
    pv_gco2e_per_kwh: float = 40.0

    def __post_init__(self) -> None:
        if not 1 <= self.lifetime_yr <= 100:
            raise ValueError("lifetime_yr must be between 1 and 100 years")
        if not 0 <= self.degradation_per_yr < 1:
            raise ValueError("degradation_per_yr must be in [0, 1)")
        if self.discount_rate <= -1 or self.inflation <= -1:
            raise ValueError("discount_rate and inflation must be above -100 %")
        for name in (
            "capex_eur_per_kwp_by_band",
            "surplus_price_eur_per_kwh_by_band",
            "self_consumption_bonus_eur_per_kwp_by_band",
        ):
            if len(getattr(self, name)) != len(BAND_EDGES_KWP) + 1:
                raise ValueError(f"{name} needs one value per size band (4)")

    @property
    def nominal_discount_rate(self) -> float:
        """Rate applied to the nominal cash flows [-/yr]."""
        return (1 + self.discount_rate) * (1 + self.inflation) - 1


def size_band(kwp: float) -> int:
    """Index of the size band of an installation of ``kwp`` [kWc]: 0 (<= 9) to 3 (> 100)."""
    return int(np.searchsorted(BAND_EDGES_KWP, kwp, side="left"))


def _installations(kwp: float | Sequence[float]) -> np.ndarray:
    sizes = np.atleast_1d(np.asarray(kwp, dtype=float))
    if np.isnan(sizes).any() or (sizes < 0).any():
        raise ValueError("installed power must be a non-negative number of kWc")
    return sizes


def capex_eur(kwp: float | Sequence[float], params: EconomicParams) -> float:
    """Investment [EUR] for one installation of ``kwp`` [kWc], or the sum over several.

    Each installation is priced at the rate of its own size band.
    """
    rates = np.asarray(params.capex_eur_per_kwp_by_band)
    sizes = _installations(kwp)
    bands = np.searchsorted(BAND_EDGES_KWP, sizes, side="left")
    return float((sizes * rates[bands]).sum())


def bonus_eur(kwp: float | Sequence[float], params: EconomicParams) -> float:
    """Self-consumption bonus received [EUR]; 0 unless the bonus applies."""
    if not params.self_consumption_bonus_applies:
        return 0.0
    rates = np.asarray(params.self_consumption_bonus_eur_per_kwp_by_band)
    sizes = _installations(kwp)
    return float((sizes * rates[np.searchsorted(BAND_EDGES_KWP, sizes, side="left")]).sum())


def surplus_price_eur_per_kwh(kwp: float | Sequence[float], params: EconomicParams) -> float:
    """Surplus price [EUR/kWh] of the band of the total installed power."""
    total = float(_installations(kwp).sum())
    return float(params.surplus_price_eur_per_kwh_by_band[size_band(total)])


def _yearly_factors(params: EconomicParams):
    """Years 0..lifetime, production ageing [-], price index [-] and discount factor [-]."""
    years = np.arange(params.lifetime_yr + 1)
    ageing = np.where(years >= 1, (1 - params.degradation_per_yr) ** (years - 1.0), 0.0)
    prices = (1 + params.inflation) ** np.maximum(years - 1.0, 0.0)
    discount = (1 + params.nominal_discount_rate) ** -years.astype(float)
    return years, ageing, prices, discount


def npv_of_sizes(
    annual_prod_kwh: np.ndarray,
    annual_autocons_kwh: np.ndarray,
    installations: Sequence[Sequence[float]],
    params: EconomicParams | None = None,
) -> np.ndarray:
    """NPV [EUR] of several sizes of one project at once, as :func:`cash_flows` would give.

    Parameters
    ----------
    annual_prod_kwh, annual_autocons_kwh : array of float
        First-year PROD and AUTOCONS [kWh] of each size.
    installations : sequence of sequences of float
        Installed power of each installation [kWc], for each size.
    params : EconomicParams, optional

    Notes
    -----
    The NPV is linear in the first-year energies, so the sum over years is done
    once per kind of flow instead of once per size.
    """
    params = params or EconomicParams()
    _, ageing, prices, discount = _yearly_factors(params)
    prod = np.asarray(annual_prod_kwh, dtype=float)
    autocons = np.minimum(np.asarray(annual_autocons_kwh, dtype=float), prod)
    gross = np.array([capex_eur(k, params) for k in installations])
    invest = gross - np.array([bonus_eur(k, params) for k in installations])
    surplus_price = np.array([surplus_price_eur_per_kwh(k, params) for k in installations])
    shared_weight = (discount * ageing * prices).sum() * params.shared_price_eur_per_kwh
    surplus_weight = (discount * ageing).sum() * surplus_price
    opex_weight = (discount[1:] * prices[1:]).sum() * params.opex_share_of_capex_per_yr
    return (
        autocons * shared_weight + (prod - autocons) * surplus_weight - gross * opex_weight - invest
    )


def cash_flows(
    annual_prod_kwh: float,
    annual_autocons_kwh: float,
    kwp: float | Sequence[float],
    params: EconomicParams | None = None,
) -> pd.DataFrame:
    """The cooperative's cash flow per year, year 0 being the investment.

    Parameters
    ----------
    annual_prod_kwh : float
        Production of the first year [kWh] (PROD).
    annual_autocons_kwh : float
        Shared, self-consumed energy of the first year [kWh] (AUTOCONS <= PROD).
    kwp : float or sequence of float
        Installed power [kWc], one value per installation (each priced by its band).
    params : EconomicParams, optional

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year`` (0 to lifetime): ``prod_kwh``, ``autocons_kwh``,
        ``surplus_kwh``, ``capex_eur`` (net of any bonus), ``opex_eur``,
        ``shared_revenue_eur``, ``surplus_revenue_eur``, ``net_eur``,
        ``discount_factor`` [-], ``discounted_net_eur``, ``cumulative_eur`` and
        ``cumulative_discounted_eur``.

    Notes
    -----
    AUTOCONS is scaled with production as the panels age. Since AUTOCONS =
    min(PROD, CONS) per step, it falls in fact less than production: the scaling
    is slightly cautious.
    """
    params = params or EconomicParams()
    if annual_prod_kwh < 0 or not 0 <= annual_autocons_kwh <= annual_prod_kwh * (1 + 1e-9):
        raise ValueError("need 0 <= annual_autocons_kwh <= annual_prod_kwh")
    years, ageing, prices, discount = _yearly_factors(params)
    running = years >= 1
    prod = annual_prod_kwh * ageing
    autocons = min(annual_autocons_kwh, annual_prod_kwh) * ageing
    surplus = prod - autocons
    gross = capex_eur(kwp, params)
    capex = np.where(years == 0, gross - bonus_eur(kwp, params), 0.0)
    opex = np.where(running, params.opex_share_of_capex_per_yr * gross * prices, 0.0)
    shared = autocons * params.shared_price_eur_per_kwh * prices
    sold = surplus * surplus_price_eur_per_kwh(kwp, params)
    net = shared + sold - opex - capex
    frame = pd.DataFrame(
        {
            "prod_kwh": prod,
            "autocons_kwh": autocons,
            "surplus_kwh": surplus,
            "capex_eur": capex,
            "opex_eur": opex,
            "shared_revenue_eur": shared,
            "surplus_revenue_eur": sold,
            "net_eur": net,
            "discount_factor": discount,
            "discounted_net_eur": net * discount,
        },
        index=pd.Index(years, name="year"),
    )
    frame["cumulative_eur"] = frame["net_eur"].cumsum()
    frame["cumulative_discounted_eur"] = frame["discounted_net_eur"].cumsum()
    return frame


def npv(net_eur: Sequence[float] | np.ndarray, rate: float) -> float:
    """Net present value [EUR] of yearly flows ``net_eur`` (year 0 first) at ``rate`` [-/yr]."""
    values = np.asarray(net_eur, dtype=float)
    return float((values * (1 + rate) ** -np.arange(values.size, dtype=float)).sum())


def irr_with_reason(net_eur: Sequence[float] | np.ndarray) -> tuple[float, str | None]:
    """Internal rate of return [-/yr], or NaN and the catalogue key saying why.

    Scans a bracket of rates from -99 % to +1000 % for a sign change of the NPV and
    refines the first one with Brent's method. The reasons are ``econ.irr.no_flows``
    (all zero), ``econ.irr.never_pays_back`` (NPV negative at every rate) and
    ``econ.irr.no_investment`` (NPV positive at every rate).
    """
    values = np.asarray(net_eur, dtype=float)
    if not np.any(values):
        return math.nan, "econ.irr.no_flows"
    grid = np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.0, 10.0, 100)[1:]])
    npvs = np.array([npv(values, r) for r in grid])
    change = np.flatnonzero(np.sign(npvs[:-1]) * np.sign(npvs[1:]) <= 0)
    if change.size == 0:
        reason = "econ.irr.never_pays_back" if npvs[-1] < 0 else "econ.irr.no_investment"
        return math.nan, reason
    i = int(change[0])
    if npvs[i] == 0:
        return float(grid[i]), None
    return float(brentq(lambda r: npv(values, r), grid[i], grid[i + 1], xtol=1e-12)), None


def irr(net_eur: Sequence[float] | np.ndarray) -> float:
    """Internal rate of return [-/yr] of yearly flows (year 0 first); NaN if there is none.

    See :func:`irr_with_reason` for why it can be NaN.
    """
    return irr_with_reason(net_eur)[0]


def _payback(cumulative: np.ndarray, flows: np.ndarray) -> float:
    # First year where the cumulative flow turns non-negative, interpolated within it.
    after = np.flatnonzero(cumulative >= 0)
    after = after[after > 0] if cumulative[0] < 0 else after
    if after.size == 0:
        return math.nan
    k = int(after[0])
    if k == 0:
        return 0.0
    return float(k - 1 + (-cumulative[k - 1]) / flows[k])


def simple_payback(net_eur: Sequence[float] | np.ndarray) -> float:
    """Years [yr] until the undiscounted cumulative flow turns non-negative; NaN if never."""
    values = np.asarray(net_eur, dtype=float)
    return _payback(np.cumsum(values), values)


def discounted_payback(net_eur: Sequence[float] | np.ndarray, rate: float) -> float:
    """Years [yr] until the discounted cumulative flow turns non-negative; NaN if never."""
    values = np.asarray(net_eur, dtype=float)
    discounted = values * (1 + rate) ** -np.arange(values.size, dtype=float)
    return _payback(np.cumsum(discounted), discounted)


def lcoe(flows: pd.DataFrame, rate: float) -> float:
    """Levelised cost of energy [EUR/kWh]: discounted costs over discounted production.

    ``flows`` is a frame from :func:`cash_flows`; costs are the investment net of
    any bonus plus the running costs. NaN without production.
    """
    discount = (1 + rate) ** -flows.index.to_numpy(dtype=float)
    costs = ((flows["capex_eur"] + flows["opex_eur"]).to_numpy() * discount).sum()
    energy = (flows["prod_kwh"].to_numpy() * discount).sum()
    return float(costs / energy) if energy > 0 else math.nan


def household_savings(autocons_kwh_per_household, params: EconomicParams | None = None):
    """First-year saving of each household [EUR/yr] on its shared kWh.

    Each shared kWh [kWh/yr] saves the displaced supplier tariff less the PMO's
    price and the network charge and excise still due on it. Accepts a number, an array or a
    Series (e.g. indexed by participant) and returns the same shape.
    """
    params = params or EconomicParams()
    per_kwh = (
        params.supplier_tariff_eur_per_kwh
        - params.shared_price_eur_per_kwh
        - params.turpe_acc_eur_per_kwh
        - params.excise_eur_per_kwh
    )
    return autocons_kwh_per_household * per_kwh


def co2_avoided(prod_kwh, params: EconomicParams | None = None):
    """CO2e avoided [kgCO2e] by producing ``prod_kwh`` [kWh] with PV instead of the grid.

    (grid intensity - PV life-cycle intensity) x production. Negative when the
    PV life-cycle intensity exceeds the grid's, as it does with the defaults (see
    :class:`EconomicParams`).
    """
    params = params or EconomicParams()
    return prod_kwh * (params.grid_gco2e_per_kwh - params.pv_gco2e_per_kwh) / 1000.0


@dataclass(frozen=True)
class Economics:
    """Headline figures of a project, with the yearly cash flows they come from.

    Attributes
    ----------
    npv_eur : float
        Net present value [EUR] at the nominal discount rate.
    irr : float
        Internal rate of return [-/yr], nominal; NaN when there is none.
    irr_reason : str or None
        Catalogue key saying why ``irr`` is NaN.
    simple_payback_yr, discounted_payback_yr : float
        Years to pay back [yr]; NaN when the project never pays back.
    lcoe_eur_per_kwh : float
        Levelised cost of energy [EUR/kWh].
    capex_eur : float
        Investment net of any bonus [EUR].
    co2e_avoided_kg : float
        Over the lifetime [kgCO2e]; negative when PV emits more than the grid.
    flows : pandas.DataFrame
        The yearly cash flows (see :func:`cash_flows`).
    """

    npv_eur: float
    irr: float
    irr_reason: str | None
    simple_payback_yr: float
    discounted_payback_yr: float
    lcoe_eur_per_kwh: float
    capex_eur: float
    co2e_avoided_kg: float
    flows: pd.DataFrame = field(repr=False, compare=False)


def economics(
    annual_prod_kwh: float,
    annual_autocons_kwh: float,
    kwp: float | Sequence[float],
    params: EconomicParams | None = None,
) -> Economics:
    """All the headline figures of a project from its first-year PROD and AUTOCONS [kWh]."""
    params = params or EconomicParams()
    table = cash_flows(annual_prod_kwh, annual_autocons_kwh, kwp, params)
    net = table["net_eur"].to_numpy()
    rate = params.nominal_discount_rate
    rate_of_return, reason = irr_with_reason(net)
    return Economics(
        npv_eur=npv(net, rate),
        irr=rate_of_return,
        irr_reason=reason,
        simple_payback_yr=simple_payback(net),
        discounted_payback_yr=discounted_payback(net, rate),
        lcoe_eur_per_kwh=lcoe(table, rate),
        capex_eur=float(table.loc[0, "capex_eur"]),
        co2e_avoided_kg=float(co2_avoided(table["prod_kwh"].sum(), params)),
        flows=table,
    )
