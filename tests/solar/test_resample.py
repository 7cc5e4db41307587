"""Sub-hourly production for settlement: shape, exact energy per hour, zeros kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solar.resample import energy_kwh, to_settlement_step
from solar.typical_year import typical_year_index


def _day_profile(days: int = 3) -> pd.Series:
    """Hand-made bell-shaped production, 3 kWp peak, night at zero, with a cloudy hour."""
    index = typical_year_index("h")[: 24 * days]
    hour = np.arange(len(index)) % 24
    power = 3.0 * np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    power[24 + 11] *= 0.2  # a cloud at noon on day 2
    return pd.Series(power, index=index, name="ac_kw")


@pytest.mark.parametrize(("step", "n"), [("30min", 2), ("15min", 4)])
def test_energy_is_conserved_every_hour(step, n):
    hourly = _day_profile()
    sub = to_settlement_step(hourly, step)
    assert len(sub) == n * len(hourly)
    assert sub.index[1] - sub.index[0] == pd.Timedelta(step)
    assert sub.index[0] == hourly.index[0]
    back = sub.groupby(np.arange(len(sub)) // n).mean().to_numpy()
    produced = hourly.to_numpy() > 0
    rel = np.abs(back[produced] / hourly.to_numpy()[produced] - 1)
    assert rel.max() < 1e-9
    assert energy_kwh(sub) == pytest.approx(energy_kwh(hourly), rel=1e-12)


@pytest.mark.parametrize("step", ["30min", "15min"])
def test_shape_is_interpolated_not_copied(step):
    hourly = _day_profile()
    sub = to_settlement_step(hourly, step)
    morning = hourly.index[7]  # first hours of the ramp
    first, last = (
        sub.loc[morning],
        sub.loc[morning + pd.Timedelta(minutes=45 if step == "15min" else 30)],
    )
    assert first < hourly.loc[morning] < last
    # A copy of the hourly value would be a step function; this is not.
    copied = hourly.repeat(len(sub) // len(hourly)).to_numpy()
    assert np.abs(sub.to_numpy() - copied).max() > 0.05


def test_zeros_stay_zero_and_values_are_non_negative():
    hourly = _day_profile()
    sub = to_settlement_step(hourly, "15min")
    assert (sub >= 0).all()
    night = np.repeat(hourly.to_numpy() == 0, 4)
    assert (sub.to_numpy()[night] == 0).all()
    # The sunrise hour next to a zero hour: first quarter smaller than the last.
    sunrise = hourly[hourly > 0].index[0]
    quarters = sub.loc[sunrise : sunrise + pd.Timedelta(minutes=45)].to_numpy()
    assert np.all(np.diff(quarters) > 0)


def test_dataframe_columns_are_spread_independently_and_nan_stays_nan():
    hourly = _day_profile()
    frame = pd.DataFrame({"a": hourly, "b": 2 * hourly})
    frame.iloc[30, 0] = np.nan
    sub = to_settlement_step(frame, "30min")
    assert list(sub.columns) == ["a", "b"]
    np.testing.assert_allclose(sub["b"], 2 * to_settlement_step(hourly, "30min"), rtol=1e-12)
    assert sub["a"].iloc[60:62].isna().all()
    assert sub["a"].drop(sub.index[60:62]).notna().all()
    assert energy_kwh(sub)["b"] == pytest.approx(energy_kwh(frame)["b"], rel=1e-12)


def test_across_clock_change_and_energy_helper():
    # 30 March 2025: the spring clock change; steps stay regular in absolute time.
    index = typical_year_index("h")
    day = index[(index >= pd.Timestamp("2025-03-29", tz=index.tz))][:72]
    hourly = pd.Series(np.linspace(0, 5, 72), index=day)
    sub = to_settlement_step(hourly, "15min")
    assert (np.diff(sub.index.asi8) == np.diff(sub.index.asi8)[0]).all()
    assert energy_kwh(sub, "15min") == pytest.approx(hourly.sum(), rel=1e-12)


def test_bad_input_is_named():
    hourly = _day_profile()
    with pytest.raises(ValueError, match="non-negative"):
        to_settlement_step(-hourly, "15min")
    with pytest.raises(ValueError, match="hourly"):
        to_settlement_step(to_settlement_step(hourly, "30min"), "15min")
    with pytest.raises(ValueError, match="divide one hour"):
        to_settlement_step(hourly, "7min")
    with pytest.raises(ValueError, match="regular"):
        to_settlement_step(hourly.drop(hourly.index[5]), "15min")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        # Zero or at least 1 mW: far smaller powers lose precision in any ratio.
        st.one_of(st.just(0.0), st.floats(1e-6, 1e4)),
        min_size=2,
        max_size=48,
    ),
    st.sampled_from(["30min", "15min"]),
)
def test_conservation_and_sign_on_any_profile(values, step):
    hourly = pd.Series(values, index=typical_year_index("h")[: len(values)])
    n = int(pd.Timedelta("1h") / pd.Timedelta(step))
    sub = to_settlement_step(hourly, step).to_numpy().reshape(len(values), n)
    assert (sub >= 0).all()
    assert (sub[hourly.to_numpy() == 0] == 0).all()
    produced = hourly.to_numpy() > 0
    np.testing.assert_allclose(sub.mean(axis=1)[produced], hourly.to_numpy()[produced], rtol=1e-9)
