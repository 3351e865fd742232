"""Workflow files checked like code: every cross-reference, every problem with its TOML path, a
broken organisation file left out instead of stopping every case, a JSON Schema for editors, and
docs whose TOML examples parse."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from varsel_tui import workflows
from varsel_tui.domain.workflow import WorkflowError, parse_workflow
from varsel_tui.domain.workflow_schema import schema_json

ROOT = Path(__file__).resolve().parents[2]

GOOD = '''
id = "lokal-sak"
name = "Lokal sak"
bodies = ["OU"]
[[intake.form.fields]]
id = "kanal"
label = "Kanal"
type = "choice"
options = [{ value = "muntlig", label = "Muntlig" }, { value = "skriftlig", label = "Skriftlig" }]
[[phases]]
id = "1"
title = "Fase"
body = "OU"
[[phases.steps]]
id = "1.1"
title = "Steg"
deadline = { count = 2, unit = "virkedager", from = "mottatt" }
'''

# Each line is valid for pydantic on its own; every one is a dangling reference main's code let
# through (or reported only the first of).
BROKEN = '''
id = "stinn-varsling"
name = "Ødelagt"
bodies = ["OU"]
[intake]
classification = "hemmelig"
[[intake.form.fields]]
id = "kanal"
label = "Kanal"
type = "choice"
options = [{ value = "muntlig", label = "Muntlig" }]
[[phases]]
id = "1"
title = "Fase"
body = "KKV"
[[phases.steps]]
id = "1.1"
title = "Steg"
classify = "topphemmelig"
deadline = { count = 3, unit = "uker", from = "vedtak" }
[[phases.steps.branches]]
when = { field = "kanal", equals = "skriftlig" }
spawn = { workflow = "finnes-ikke" }
[[phases.steps.branches]]
when = { field = "x", is_set = true }
goto = "1.2"
[[phases.steps]]
id = "1.2"
title = "Steg 2"
[[phases.steps]]
id = "1.2"
title = "Steg 2 igjen"
'''

EXPECTED = [
    "intake.classification: unknown classification 'hemmelig'",
    "phases[0].body (phase 1): unknown body 'KKV'",
    "phases[0].steps[0].classify (phase 1, step 1.1): unknown classification 'topphemmelig'",
    "phases[0].steps[0].deadline.from (phase 1, step 1.1): unknown date 'vedtak'",
    "phases[0].steps[0].branches[0].when.equals (phase 1, step 1.1): field 'kanal' has no option 'skriftlig'",
    "phases[0].steps[0].branches[0].spawn.workflow (phase 1, step 1.1): unknown workflow 'finnes-ikke'",
    "phases[0].steps[0].branches[1].when.field (phase 1, step 1.1): unknown field 'x'",
    "phases[0].steps[2].id (phase 1, step 1.2): step id '1.2' repeated",
]


def test_check_reports_every_dangling_reference_with_its_toml_path():
    with pytest.raises(WorkflowError) as err:
        parse_workflow(BROKEN, "ødelagt.toml", known_workflows={"stinn-varsling", "ntnu-avvik"})
    problems = err.value.problems
    for expected in EXPECTED:
        assert any(p.startswith("ødelagt.toml: " + expected) for p in problems), (expected, problems)
    assert len(problems) == len(EXPECTED)
    assert "(and 7 more problems)" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("fragment, expected", [
    ('[[phases.steps.branches]]\nwhen = { field = "kanal", in = ["muntlig", "telefon"] }\n',
     "branches[0].when.in[1] (phase 1, step 1.1): field 'kanal' has no option 'telefon'"),
    ('skip_if = { concerns_body = "KKV" }\n', "steps[0].skip_if.concerns_body (phase 1, step 1.1): unknown body 'KKV'"),
    ('[[phases.steps.form.fields]]\nid = "d"\nlabel = "D"\ntype = "date"\n'
     '[[phases.steps.form.rules]]\nwhen = { field = "d", later_than = { count = 1, unit = "uker", from = "kunngjort" } }\n'
     'field = "d"\nmessage = "for sent"\n',
     "form.rules[0].when.later_than.from (phase 1, step 1.1): unknown date 'kunngjort'"),
    ('records = [{ event = "vedtak", date_field = "nope" }]\n',
     "steps[0].records[0].date_field (phase 1, step 1.1): 'nope' is not a date field of this step's form"),
    ('[[actions]]\nid = "trekk"\ntitle = "T"\nkind = "withdraw"\nallowed_until = "klagefrist"\n'
     'allowed_after_step = "9"\n[[actions]]\nid = "trekk"\ntitle = "T2"\nkind = "reopen"\n',
     "actions[0].allowed_until (action trekk): unknown date 'klagefrist' (not in [[dates]])"),
    ('[[actions]]\nid = "trekk"\ntitle = "T"\nkind = "withdraw"\n[[actions]]\nid = "trekk"\ntitle = "T2"\n'
     'kind = "reopen"\n', "actions[1].id (action trekk): action id 'trekk' repeated"),
    ('[[statutory]]\ntitle = "§ 11a"\ndeadline = { count = 4, unit = "uker", from = "step:9" }\nuntil_step = "9"\n',
     "statutory[0].deadline.from: unknown date 'step:9'"),
])
def test_references_inside_steps_are_checked(fragment, expected):
    with pytest.raises(WorkflowError) as err:
        parse_workflow(GOOD + fragment, "lokal.toml")
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_a_value_a_branch_sets_may_be_compared_with_and_a_typo_is_caught():
    ok = GOOD + ('[[phases.steps.branches]]\nwhen = { field = "kanal", equals = "muntlig" }\nset = { vedtak = "til gunst" }\n'
                 '[[phases.steps]]\nid = "1.2"\ntitle = "S"\n[[phases.steps.branches]]\n'
                 'when = { field = "vedtak", equals = "til gunst" }\nend = true\n')
    parse_workflow(ok)
    with pytest.raises(WorkflowError, match="field 'vedtak' has no option 'til_gunst'"):
        parse_workflow(ok.replace('equals = "til gunst" }\nend', 'equals = "til_gunst" }\nend'))


def test_shape_errors_are_all_reported_too():
    text = GOOD.replace('unit = "virkedager"', 'unit = "timer"') + '[[phases.steps]]\nid = "1.2"\n'
    with pytest.raises(WorkflowError) as err:
        parse_workflow(text, "lokal.toml")
    assert len(err.value.problems) == 2
    assert any("phases[0].steps[0].deadline (phase 1, step 1.1): unknown unit 'timer'" in p for p in err.value.problems)
    assert any("phases[0].steps[1].title (phase 1, step 1.2): Field required" in p for p in err.value.problems)


def test_the_bundled_workflows_pass_the_check():
    for path in sorted(workflows.BUNDLED_DIR.glob("*.toml")):
        workflows.load_file(path, known_workflows={"stinn-varsling", "ntnu-avvik", "ntnu-klage", "uio-varsling"})


# -- the loader -------------------------------------------------------------------------------------

@pytest.fixture
def org_dir(tmp_path, monkeypatch):
    d = tmp_path / "org-workflows"
    d.mkdir()
    monkeypatch.setenv("VARSEL_WORKFLOWS", str(d))
    workflows.reload()
    yield d
    workflows.reload()


def test_one_broken_file_in_the_organisation_folder_leaves_the_rest_working(org_dir):
    (org_dir / "lokal.toml").write_text(GOOD, encoding="utf-8")
    (org_dir / "stinn-varsling.toml").write_text(BROKEN, encoding="utf-8")  # would replace the bundled one
    (org_dir / "syntaks.toml").write_text('id = "x"\nname = \n', encoding="utf-8")
    found = workflows.all_workflows()
    assert set(found) == {"stinn-varsling", "ntnu-avvik", "ntnu-klage", "uio-varsling", "lokal-sak"}
    assert found["stinn-varsling"].name != "Ødelagt"  # the bundled one stays in use
    broken = {b.path.name: b for b in workflows.broken()}
    assert set(broken) == {"stinn-varsling.toml", "syntaks.toml"}
    assert len(broken["stinn-varsling.toml"].problems) == len(EXPECTED)
    assert "not valid TOML" in broken["syntaks.toml"].problems[0]


def test_a_spawn_target_that_was_left_out_leaves_out_the_file_spawning_it(org_dir):
    spawner = GOOD.replace('id = "lokal-sak"', 'id = "spawner"') + (
        '[[phases.steps.branches]]\nspawn = { workflow = "lokal-sak" }\n')
    (org_dir / "a-spawner.toml").write_text(spawner, encoding="utf-8")
    (org_dir / "b-lokal.toml").write_text(GOOD.replace('body = "OU"', 'body = "KKV"'), encoding="utf-8")
    assert "spawner" not in workflows.all_workflows() and "lokal-sak" not in workflows.all_workflows()
    problems = {b.path.name: b.problems for b in workflows.broken()}
    assert "unknown workflow 'lokal-sak'" in problems["a-spawner.toml"][0]
    with pytest.raises(WorkflowError, match="left out as broken: a-spawner.toml; b-lokal.toml"):
        workflows.get("lokal-sak")


# -- the CLI ----------------------------------------------------------------------------------------

def _run(capsys, *argv: str) -> tuple[int, str, str]:
    from varsel_tui.cli import main

    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_check_prints_every_problem_one_line_each(tmp_path, capsys, org_dir):
    bad = tmp_path / "ødelagt.toml"
    bad.write_text(BROKEN, encoding="utf-8")
    code, out, err = _run(capsys, "workflows", "--check", str(bad))
    lines = err.strip().splitlines()
    assert code == 1 and out == ""
    assert len(lines) == len(EXPECTED) + 1 and lines[-1] == f"varsel: {bad}: {len(EXPECTED)} problem(s)"
    for expected, line in zip(EXPECTED, lines[:-1], strict=True):
        assert line.startswith(f"varsel: {bad}: {expected}"), line


def test_cli_lists_the_good_workflows_and_warns_once_per_broken_file(capsys, org_dir):
    (org_dir / "stinn-varsling.toml").write_text(BROKEN, encoding="utf-8")
    code, out, err = _run(capsys, "workflows", "--json")
    assert code == 0
    assert {w["id"] for w in json.loads(out)} == {"stinn-varsling", "ntnu-avvik", "ntnu-klage", "uio-varsling"}
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "stinn-varsling.toml" in lines[0] and "left out" in lines[0]


# -- JSON Schema and docs ---------------------------------------------------------------------------

def test_the_schema_in_docs_is_the_generated_one(capsys):
    code, out, _ = _run(capsys, "workflows", "--schema")
    assert code == 0 and out == schema_json()
    on_disk = (ROOT / "docs" / "workflow.schema.json").read_text(encoding="utf-8")
    assert on_disk == schema_json(), "regenerate: varsel workflows --schema > docs/workflow.schema.json"
    schema = json.loads(on_disk)
    assert {"id", "name", "phases", "intake", "actions"} <= set(schema["properties"])
    cond = schema["$defs"]["Condition"]["properties"]
    assert {"in", "not", "date_is", "later_than"} <= set(cond)  # the TOML spellings (aliases)
    assert schema["$defs"]["Action"]["properties"]["kind"]["enum"] == ["withdraw", "reopen", "close"]


def _toml_blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 1, m.group(1))
            for m in re.finditer(r"^```toml\n(.*?)^```", text, flags=re.S | re.M)]


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_toml_example_in_the_docs_is_valid_toml(path):
    for line, block in _toml_blocks(path):
        try:
            tomllib.loads(block)
        except tomllib.TOMLDecodeError as exc:
            pytest.fail(f"{path.name}:{line}: {exc}")


def test_the_workflow_format_doc_has_toml_examples():
    assert len(_toml_blocks(ROOT / "docs" / "workflow-format.md")) >= 7


def test_an_intake_record_is_decided_on_intake_answers_alone():
    text = GOOD + '''
[[phases.steps.form.fields]]
id = "notat"
label = "Notat"
type = "text"
[[intake.records]]
event = "varsling_mottatt"
when = { field = "notat", is_set = true }
'''
    with pytest.raises(WorkflowError) as err:
        parse_workflow(text, "lokal.toml")
    assert "intake.records[0].when" in str(err.value) and "'notat' is not an intake field" in str(err.value)


def test_a_rule_may_count_from_the_day_a_phase_began_and_it_fires():
    from datetime import date

    from varsel_tui.domain.engine import CaseFacts, preview

    wf = parse_workflow(GOOD.replace('deadline = { count = 2, unit = "virkedager", from = "mottatt" }', '''
[[phases.steps.form.fields]]
id = "dato"
label = "Dato"
type = "date"
[[phases.steps.form.rules]]
field = "dato"
when = { field = "dato", later_than = { count = 1, unit = "uker", from = "phase:1" } }
message = "mer enn en uke etter at fasen begynte"
severity = "warning"
[[phases.steps.form.rules]]
field = "dato"
when = { field = "dato", later_than = { count = 2, unit = "uker", from = "mottatt" } }
message = "mer enn to uker etter mottak"
severity = "warning"'''), "lokal.toml")
    facts = CaseFacts(date(2026, 11, 2), {"kanal": "muntlig"})
    late = preview(wf, facts, [], "1.1", {"dato": "2026-11-20"}, date(2026, 11, 20))
    assert [p.message for p in late.problems] == ["mer enn en uke etter at fasen begynte", "mer enn to uker etter mottak"]
    assert preview(wf, facts, [], "1.1", {"dato": "2026-11-05"}, date(2026, 11, 5)).problems == []
