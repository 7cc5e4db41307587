"""Enedis customer-space CSV exports: load curve and daily index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import read_consumption, read_enedis_daily_index, read_enedis_load_curve
from quartier_solaire.errors import ReadError


@pytest.fixture
def cons(data_dir):
    return data_dir / "consumption"


def codes(meta):
    return [p.code for p in meta["report"].problems]


def test_fixture_is_the_real_shape(cons):
    raw = (cons / "enedis_load_curve_30min.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfIdentifiant PRM;Type de donnees;")
    assert b"\nHorodate;Valeur\n" in raw


def test_load_curve_energy_is_average_power_times_step(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_load_curve_30min.csv")
    # 500 W over 30 min = 0.25 kWh; 1000 W -> 0.5; empty -> NaN; 250, 750, 1200 W.
    expected = [0.25, 0.5, np.nan, 0.125, 0.375, 0.6]
    np.testing.assert_allclose(energy.to_numpy(), expected, rtol=1e-12)
    assert energy.dtype == np.float64
    assert energy.name == "energy_kwh"
    assert meta["source"] == "enedis_load_curve"
    assert meta["meter_id"] == "12345678901234"
    assert meta["step_min"] == 30
    assert meta["unit_in_file"] == "W"


def test_load_curve_labels_mark_interval_start_in_paris(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_load_curve_30min.csv")
    assert str(energy.index.tz) == "Europe/Paris"
    assert energy.index.freq == pd.Timedelta(minutes=30)
    # First Horodate is the END 00:30+01:00, so the first label is 00:00.
    assert energy.index[0] == pd.Timestamp("2025-01-15T00:00:00+01:00")
    assert energy.index[-1] == pd.Timestamp("2025-01-15T02:30:00+01:00")
    assert meta["start"] == energy.index[0]
    assert meta["end"] == pd.Timestamp("2025-01-15T03:00:00+01:00")


def test_gaps_are_nan_and_counted(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_gaps.csv")
    report = meta["report"]
    assert len(energy) == 6
    assert report.intervals == 3
    assert report.expected_intervals == 6
    assert report.gaps == 3
    assert report.coverage == pytest.approx(0.5)
    assert report.filled == 0
    assert energy.isna().sum() == 3
    assert "consumption_gaps" in codes(meta)


def test_accented_header_empty_step_and_blank_line(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_load_curve_10min_accents.csv")
    assert meta["step_min"] == 10
    assert meta["declared_step_min"] is None
    # 600 W x 10 min = 0.1 kWh
    np.testing.assert_allclose(energy.to_numpy(), [0.1, 0.05, 0.2, 0.0])
    assert energy.index[0] == pd.Timestamp("2025-07-01T00:00:00+02:00")
    assert codes(meta) == []


def test_latin1_is_repaired_and_reported(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_latin1.csv")
    np.testing.assert_allclose(energy.to_numpy(), [0.1, 0.05, 0.2, 0.0])
    problem = meta["report"].problems[0]
    assert problem.code == "consumption_encoding_latin1"
    assert problem.line == 1
    assert problem.severity == "repaired"


def test_comma_separator_is_repaired(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_comma.csv")
    assert np.nansum(energy) == pytest.approx(1.85)
    assert "consumption_separator_comma" in codes(meta)
    assert meta["meter_id"] == "12345678901234"


def test_truncated_last_row_is_dropped_with_its_line(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_truncated.csv")
    problem = next(p for p in meta["report"].problems if p.code == "consumption_truncated_last_row")
    assert problem.line == 8
    assert len(energy) == 4


def test_bad_timestamp_in_the_middle_is_an_error_naming_line_and_field(cons):
    with pytest.raises(ReadError) as err:
        read_enedis_load_curve(cons / "enedis_bad_timestamp.csv")
    assert err.value.line == 6
    assert err.value.field == "Horodate"
    assert err.value.code == "consumption_bad_timestamp"
    assert err.value.path == "enedis_bad_timestamp.csv"


def test_bad_value_error_does_not_repeat_the_value(cons):
    with pytest.raises(ReadError) as err:
        read_enedis_load_curve(cons / "enedis_bad_value.csv")
    assert (err.value.line, err.value.field) == (6, "Valeur")
    assert "abc" not in str(err.value)


def test_missing_preamble_assumes_enedis_defaults(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_no_preamble.csv")
    assert meta["meter_id"] is None
    assert meta["unit_in_file"] == "W"
    assert np.nansum(energy) == pytest.approx(1.85)
    assert "consumption_preamble_missing" in codes(meta)


def test_extra_preamble_lines_are_reported_with_lines(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_extra_preamble.csv")
    extra = [
        p.line for p in meta["report"].problems if p.code == "consumption_preamble_extra_lines"
    ]
    assert extra == [1, 4]
    assert meta["meter_id"] == "12345678901234"
    assert np.nansum(energy) == pytest.approx(1.85)


@pytest.mark.parametrize(
    ("name", "halfhours", "first_offset"),
    [("enedis_dst_spring.csv", 46, "+01:00"), ("enedis_dst_autumn.csv", 50, "+02:00")],
)
def test_clock_change_days(cons, name, halfhours, first_offset):
    energy, meta = read_enedis_load_curve(cons / name)
    assert len(energy) == halfhours
    assert meta["report"].coverage == 1.0
    assert energy.index[0].isoformat().endswith(first_offset)
    assert energy.index.is_unique
    values_w = 400 + 10 * np.arange(halfhours)
    np.testing.assert_allclose(energy.to_numpy(), values_w * 0.5 / 1000)


def test_identical_duplicates_are_dropped_and_counted(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_duplicates_identical.csv")
    assert meta["report"].duplicates_removed == 2
    assert len(energy) == 6
    assert np.nansum(energy) == pytest.approx(1.85)
    problem = next(p for p in meta["report"].problems if p.code == "consumption_duplicate_dropped")
    assert problem.count == 2


def test_conflicting_duplicates_are_an_error(cons):
    with pytest.raises(ReadError) as err:
        read_enedis_load_curve(cons / "enedis_duplicates_conflict.csv")
    assert err.value.code == "consumption_duplicate_conflict"
    assert err.value.line == 6
    assert "999" not in str(err.value)


def test_negative_values_become_gaps(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_negative.csv")
    assert meta["report"].negatives == 1
    assert np.isnan(energy.iloc[2])
    problem = next(p for p in meta["report"].problems if p.code == "consumption_negative_values")
    assert problem.line == 6
    assert problem.severity == "dropped"


def test_unsorted_rows_are_sorted(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_unsorted.csv")
    assert energy.index.is_monotonic_increasing
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, np.nan, 0.125, 0.375, 0.6])
    assert "consumption_unsorted" in codes(meta)


def test_step_change_is_resampled_to_the_coarsest_step_conserving_energy(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_step_change.csv")
    assert meta["step_min"] == 30
    # 600, 1200, 300 W over 10 min = 0.1 + 0.2 + 0.05 kWh, then 1000 and 2000 W over 30 min.
    np.testing.assert_allclose(energy.to_numpy(), [0.35, 0.5, 1.0])
    problem = next(p for p in meta["report"].problems if p.code == "consumption_step_changed")
    assert problem.params == {"step_from": 10, "step_to": 30}
    assert problem.line == 7


def test_values_in_kw_are_multiplied_by_1000(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_kw_values.csv")
    # "0,5" said W, really 0.5 kW over 30 min = 0.25 kWh.
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.6, 0.15, 0.2])
    assert "consumption_unit_kw_suspected" in codes(meta)


def test_utc_and_offset_timestamps_are_exact(cons):
    energy, _ = read_enedis_load_curve(cons / "enedis_utc_offsets.csv")
    # Ends 00:00Z, 00:30+00:00 and 02:00+01:00 are 01:00, 01:30 and 02:00 in Paris.
    assert list(energy.index) == list(
        pd.date_range(
            pd.Timestamp("2025-01-15T00:30:00+01:00").tz_convert("Europe/Paris"),
            periods=3,
            freq="30min",
        )
    )
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, 0.125])


def test_meter_id_of_wrong_length_is_dropped_with_a_warning(cons):
    _, meta = read_enedis_load_curve(cons / "enedis_bad_prm.csv")
    assert meta["meter_id"] is None
    problem = meta["report"].problems[0]
    assert problem.code == "consumption_meter_id_invalid"
    assert problem.severity == "warning"
    assert "123456789012" not in problem.message


def test_daily_index_is_the_difference_of_eas_t(cons):
    energy, meta = read_enedis_daily_index(cons / "enedis_daily_index.csv")
    assert meta["source"] == "enedis_daily_index"
    assert meta["step_min"] == 1440
    assert str(energy.index.tz) == "Europe/Paris"
    assert energy.index[0] == pd.Timestamp("2025-03-01T00:00:00+01:00")
    # 1 512 000 - 1 500 000 Wh = 12 kWh; the evening stamp counts as 3 March;
    # 4 March has no index, so 3 and 4 March are gaps.
    np.testing.assert_allclose(energy.to_numpy(), [12.0, 12.5, np.nan, np.nan, 9.0])
    assert "consumption_extra_blocks_ignored" in codes(meta)


def test_daily_index_is_detected_by_read_consumption(cons):
    energy, meta = read_consumption(cons / "enedis_daily_index.csv")
    assert meta["source"] == "enedis_daily_index"
    assert energy.index.freqstr == "D"


def test_two_exports_of_one_meter_pasted_together_are_merged(cons):
    energy, meta = read_enedis_load_curve(cons / "enedis_two_exports.csv")
    assert len(energy) == 8
    assert energy.index[-1] == pd.Timestamp("2025-01-15T03:30:00+01:00")
    np.testing.assert_allclose(energy.to_numpy()[-3:], [0.6, 0.4, 0.2])
    assert meta["report"].duplicates_removed == 1
    assert "consumption_blocks_merged" in codes(meta)
