"""A broken workflow file in the organisation's folder is named in a notification at start; the
queue and the bundled workflows keep working (issue 10: one invalid file stopped every case)."""

from __future__ import annotations

from test_queue import make_app, pilot_test, settle

from varsel_tui import workflows


@pilot_test
async def test_a_broken_organisation_workflow_is_named_and_the_rest_works(seeded_db, monkeypatch, tmp_path):
    org = tmp_path / "org-workflows"
    org.mkdir()
    (org / "lokal.toml").write_text('id = "lokal"\nname = "Lokal"\n[[phases]]\nid = "1"\ntitle = "P"\n'
                                    '[[phases.steps]]\nid = "1.1"\ntitle = "S"\nclassify = "topphemmelig"\n',
                                    encoding="utf-8")
    monkeypatch.setenv("VARSEL_WORKFLOWS", str(org))
    workflows.reload()
    try:
        app = make_app(seeded_db)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, app)  # the queue loads as before
            notices: list[str] = []
            for _ in range(200):  # the workflows are read after the first page (about 2 s after start)
                await pilot.pause(0.05)
                notices = [n.message for n in app._notifications]
                if any("lokal.toml" in n for n in notices):
                    break
            assert any(n.startswith(f"Arbeidsflytfilen {org / 'lokal.toml'} er utelatt (1 feil")
                       and "unknown classification 'topphemmelig'" in n for n in notices), notices
            assert set(workflows.all_workflows()) == {"stinn-varsling", "ntnu-avvik", "ntnu-klage", "uio-varsling"}
    finally:
        workflows.reload()
