"""Consumption files a resident drops on Mon foyer, written on the fly for page tests."""

import numpy as np
import pandas as pd

from tests.conftest import ROOT

TWO_DAYS_DATA_CONNECT = ROOT / "tests" / "data" / "consumption" / "data_connect_v5_two_days.json"
GAP = ("2023-03-01", "2023-03-16")  # 15 days without a value, as in a real customer export


def enedis_year_with_gap(path):
    """Write 2023's 30-min load curve in the Enedis customer-space layout, 15 days blank.

    About 7,300 kWh measured on 350 days, winter peak, evening peak.
    """
    ends = pd.date_range("2023-01-01 00:30", "2024-01-01 00:00", freq="30min", tz="Europe/Paris")
    starts = ends - pd.Timedelta(minutes=30)
    hour = np.asarray(starts.hour + starts.minute / 60)
    doy = np.asarray(starts.day_of_year)
    watts = (730 + 1020 * np.exp(-(((hour - 19.5) / 2) ** 2))) * (
        1 + 0.4 * np.cos(2 * np.pi * (doy - 15) / 365)
    )
    blank = (starts >= pd.Timestamp(GAP[0], tz="Europe/Paris")) & (
        starts < pd.Timestamp(GAP[1], tz="Europe/Paris")
    )
    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes",
        "12345678901234;Courbe de charge;01/01/2023;01/01/2024;Energie active;Consommation;"
        "Comptage Brut;W;30",
        "Horodate;Valeur",
    ]
    lines += [
        f"{t.isoformat()};{'' if gap else f'{w:.0f}'}"
        for t, w, gap in zip(ends, watts, blank, strict=True)
    ]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path
