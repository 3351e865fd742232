"""On a committee server (row-level security) the administrator's statistics count every case,
including ones no body of theirs handles; an officer, whose reads cover only their own cases, is
refused rather than shown a second, partial table."""

from __future__ import annotations

from datetime import date

import pytest
from test_server import INTAKE, KARI, LARS, _registered, committee  # noqa: F401 - the fixture

from varsel_tui.store.trust import NotAdmin


@pytest.mark.postgres
def test_the_administrator_counts_every_case_and_an_officer_is_refused(committee):  # noqa: F811
    kari, lars = _registered(*committee)
    for n in range(3):
        kari.create_case("ntnu-avvik", f"Avvik {n}", date(2026, 11, 2 + n), by=KARI, intake=INTAKE)
    for n in range(3):  # lars's faculty, not kari's: only these are lars's to read
        kari.create_case("ntnu-avvik", f"NV {n}", date(2026, 11, 9 + n), by=KARI,
                         intake={**INTAKE, "mottakende_enhet": "NV-fakultetet"})
    assert 0 < len(lars.list_cases()) < 6  # row-level security: an officer's reads are partial
    [g] = kari.statistics_report(2026, by=KARI)["groups"]
    assert g["total"] == 6 and g["quarters"]["K4"] == 6
    with pytest.raises(NotAdmin, match="only an administrator may make the statistics"):
        lars.statistics_report(2026, by=LARS)
