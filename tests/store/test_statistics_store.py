"""The statistics read on both backends: metadata only, administrators only."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ADMIN

from varsel_tui.store.trust import NotAdmin


def test_statistics_report_on_both_backends(store, admin):
    for n in range(6):
        d = store.create_case("ntnu-avvik", f"Avvik {n}", date(2026, 4, 1 + n), by=ADMIN,
                              intake={"melder_type": "student"})
        if n < 5:
            store.act(d.case.number, "lukk", by=ADMIN, on=date(2026, 4, 20), comment="Lukket etter varsel.")
    report = store.statistics_report(2026, by=ADMIN)
    [g] = report["groups"]
    assert (g["workflow"], g["year"], g["total"]) == ("ntnu-avvik", 2026, 6)
    assert g["quarters"] == {"K1": 0, "K2": 6, "K3": 0, "K4": 0}
    assert g["outcomes"] == {"lukket med kommentar": "x", "åpen": "<5"}
    # received 1.–5. April 2026, closed Monday 20 April: skjærtorsdag 2.4, langfredag 3.4, the
    # weekend and 2. påskedag 6.4 are no working days, so each took 7.–10. + 13.–17. + 20. = 10
    assert g["median_working_days"] == 10.0
    store.register_user("per", "pers passfrase er lang nok")
    admin.approve_user("per")
    with pytest.raises(NotAdmin, match="only an administrator may make the statistics"):
        store.statistics_report(by="per")
