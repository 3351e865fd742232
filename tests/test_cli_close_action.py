"""Close an avvik at any step with a comment (NTNU: «må avviket lukkes med kommentar»): refused
without one; the comment is journalled and kept with the action."""

from __future__ import annotations

import json

import pytest
from cli_env import in_process_varsel


@pytest.fixture
def varsel(tmp_path, monkeypatch, capsys):
    return in_process_varsel(tmp_path, monkeypatch, capsys)


def test_close_with_comment_from_the_first_step_is_journalled(varsel):
    assert varsel("user", "add", "kari")[0] == 0
    assert varsel("case", "new", "--workflow", "ntnu-avvik", "--title", "Lab ute av drift", "--received",
                  "2026-11-02", "--set", "melder_type=student")[0] == 0
    code, _, err = varsel("case", "action", "2026-0001", "lukk")
    assert code == 1 and err.strip() == "varsel: «Lukk avviket med kommentar» krever en kommentar"
    code, out, err = varsel("case", "action", "2026-0001", "lukk", "--on", "2026-11-20", "--json",
                            "--comment", "Varsel om manglende oppfølging kom via Sifra; behandles i ePhorte.")
    assert code == 0, err
    d = json.loads(out)
    assert d["status"] == "closed" and d["outcome"] == "lukket med kommentar"
    assert {s["status"] for s in d["steps"]} == {"skipped"}
    [entry] = [j for j in d["journal"] if j["kind"] == "action"]
    assert entry["text"] == ("Lukk avviket med kommentar: Varsel om manglende oppfølging kom via Sifra; "
                             "behandles i ePhorte.")
