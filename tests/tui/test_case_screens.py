"""The case screens, driven with keys: case detail, step form, new case, help, command palette.

Every test runs the real app on a real SQLite database in tmp_path, with today fixed at
2026-11-23 (a Monday) and the journal's clock fixed, so the SVG snapshots are deterministic.
"""

from __future__ import annotations

from datetime import date

from case_fixtures import (
    KKV_USER,
    USER,
    avvik_case,
    choose,
    fill,
    make_app,
    notes,
    open_case,
    run,
    screen_text,
    settle,
    stinn_case,
    type_text,
)

SIZE = (100, 32)


def stinn_concerning_ou(store):  # noqa: ANN001, ANN201
    """A written StInn case whose accused sits in OU, walked through phase 2: phase 3 is skipped."""
    number = stinn_case(store, parties=[
        {"role": "varsler", "name": "Siri Student", "anonymous": True},
        {"role": "anklagede", "name": "Per Ou"},
    ]).case.number
    for answers in ({"innsendt_via": "nettside", "dato_skriftlig_mottatt": "2026-11-19"},
                    {"otrs_saksnummer": "T-42", "kø": "KKV"}, {}, {"gradert_strengt_hemmelig": True},
                    {"politi_opplyst": True}):
        store.advance(number, answers, by=USER, on=date(2026, 11, 20))
    return number


def klage_case(store):  # noqa: ANN001, ANN201
    """A grade complaint (ntnu-klage), received and registered (step 7 done)."""
    number = store.create_case("ntnu-klage", "Klage på karakter i TDT4100", date(2026, 11, 20), by=USER,
                               intake={"sakstype": "klage", "karakter_kunngjort": "2026-11-16",
                                       "opprinnelig_karakter": "C", "emnekode": "TDT4100"}).case.number
    store.advance(number, {"klage_mottatt": "2026-11-20"}, by=USER, on=date(2026, 11, 20))
    return number


# -- case detail --------------------------------------------------------------------------------

def test_detail_header_timeline_parties_and_why_a_phase_was_skipped(store, tmp_path):
    number = stinn_concerning_ou(store)

    async def go():
        app = make_app(tmp_path / "varsel.db", user=KKV_USER)  # the case concerns OU: KKV has it
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            text = screen_text(app)
            assert number in text and "strengt hemmelig" in text and "StInn – varslingssaker" in text
            assert "Fase 4 Behandling i Kontroll- og konstitusjonsutvalget · steg 4.1 Sak blir mottatt" in text
            assert "Ansvarlig: KKV" in text
            assert "hele fasen hoppet over: saken gjelder OU eller et av utvalgets medlemmer" in text
            assert "varsler" in text and "anonym (Siri Student)" in text and "Per Ou" in text
            assert "sak 2026-0001 opprettet" in text  # the journal
            assert "Hvor ble varslingen sendt inn?" in text  # completed forms, with labels

    run(go())


def test_detail_add_party_note_and_preliminary_reply_with_keys(store, tmp_path):
    # Received 30 October: the 4-week limit (fvl. § 11a) is 27 November, so a preliminary reply is due.
    number = avvik_case(store, received=date(2026, 10, 30)).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            assert "Foreløpig svar bør sendes (forvaltningsloven § 11a)" in screen_text(app)
            assert "frist 27.11.2026 · 4 virkedager igjen" in screen_text(app)

            await pilot.press("a")
            await settle(pilot)
            await choose(pilot, app.focused, "vitne")
            await pilot.press("tab")
            await type_text(pilot, "Vera Vitne")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert [(p.role, p.name) for p in store.get_case(number).parties] \
                == [("melder", "Mia Melder"), ("vitne", "Vera Vitne")]
            assert "Vera Vitne" in screen_text(app)

            await pilot.press("j")
            await settle(pilot)
            await type_text(pilot, "Ringte melder.")
            await pilot.press("ctrl+s")
            await settle(pilot)
            journal = store.get_case(number).journal
            assert (journal[-1].kind, journal[-1].text) == ("note", "Ringte melder.")
            assert "Ringte melder." in screen_text(app)

            await pilot.press("p")
            await settle(pilot)
            await pilot.press("j")  # yes
            await settle(pilot)
            detail = store.get_case(number)
            assert detail.case.prelim_sent == date(2026, 11, 23)
            assert not detail.state.needs_preliminary_reply
            assert "Foreløpig svar sendt 23.11.2026." in screen_text(app)
            assert not [n for n in notes(app) if n[1] == "error"]

    run(go())


def test_detail_withdraw_and_reopen_a_complaint(store, tmp_path):
    number = klage_case(store)
    plain = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, plain)
            assert "w" not in app.screen.active_bindings  # StInn has no withdraw action
            await pilot.press("escape")
            await settle(pilot)
            await open_case(pilot, number)
            assert app.screen.active_bindings["w"].enabled
            assert "o" not in app.screen.active_bindings  # nothing to reopen: hidden, not greyed out
            await pilot.press("w")
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            assert store.get_case(number).case.status == "withdrawn"
            assert "w" not in app.screen.active_bindings and app.screen.active_bindings["o"].enabled
            assert "Trukket 23.11.2026: klagen trukket" in screen_text(app)
            await pilot.press("o", "j")
            await settle(pilot)
            assert store.get_case(number).case.status == "open"

    run(go())


def test_detail_write_refused_by_the_store_is_a_notification(store, tmp_path):
    number = klage_case(store)

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            store.add_party(number, "vitne", "Vera Vitne", by="per")  # the screen's version is stale
            # An action against a stale version is refused (the party itself was not: an append).
            await pilot.press("w")
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            assert any("endret av noen andre" in m and "per la til en part" in m and sev == "error"
                       for m, sev in notes(app)), notes(app)
            assert store.get_case(number).case.status == "open"
            assert "Vera Vitne" in screen_text(app)  # it read the case again

    run(go())


def test_detail_and_form_at_80x24(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("pagedown", "pagedown", "end", "home")
            await pilot.press("f")
            await settle(pilot)
            assert type(app.screen).__name__ == "StepFormScreen"
            outcome = app.screen.query_one("#form-outcome")
            footer = app.screen.query_one("Footer")
            assert outcome.region.bottom <= footer.region.y and outcome.region.height >= 2  # not under the footer

    run(go())


# -- the step form ------------------------------------------------------------------------------

async def _open_form(pilot, number):  # noqa: ANN001, ANN202
    await open_case(pilot, number)
    await pilot.press("f")
    await settle(pilot)
    return pilot.app.screen


def test_form_fields_appear_and_disappear_and_keep_what_was_typed(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            form = (await _open_form(pilot, number)).form
            shown = lambda: {w.field.id for w in form.field_widgets() if w.display}  # noqa: E731
            assert "ny_enhet" not in shown() and "lokal_enhet" not in shown()
            assert "sensitiv_håndtering" not in shown()
            await fill(pilot, "sensitive_opplysninger", True)
            await settle(pilot)
            assert "sensitiv_håndtering" in shown()
            assert form.field_widget("sensitiv_håndtering").has_class("-required")

            await fill(pilot, "vurdering", "endre_enhet")
            await fill(pilot, "ny_enhet", "NV-fakultetet")
            await settle(pilot)
            assert {"ny_enhet", "endring_merknad"} <= shown() and "lokal_enhet" not in shown()
            assert "Saken overføres til NV-fakultetet." in screen_text(app)

            await fill(pilot, "vurdering", "godkjent")
            await settle(pilot)
            assert "ny_enhet" not in shown() and {"lokal_enhet", "behandler"} <= shown()
            assert "Neste steg: B1 Behandle meldingen (behandlingsskjema)." in screen_text(app)
            await fill(pilot, "vurdering", "endre_enhet")
            await settle(pilot)
            assert form.field_widget("ny_enhet").raw_value == "NV-fakultetet"  # hidden, not lost

            await fill(pilot, "vurdering", "ikke_godkjent")
            await settle(pilot)
            text = screen_text(app)
            assert "Saken avsluttes (ikke godkjent)." in text
            assert "Lager utkast til brevet «ntnu-avvik-ikke-godkjent» på saken" in text

    run(go())


def test_form_required_field_left_empty_is_marked_inline_and_notified(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await _open_form(pilot, number)
            await fill(pilot, "vurdering", "godkjent")
            await fill(pilot, "lokal_enhet", "IDI")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen  # not submitted
            assert any("Ikke sendt inn" in m and sev == "error" for m, sev in notes(app)), notes(app)
            text = screen_text(app)
            assert "✗ «Inneholder meldingen personopplysninger eller annen sensitiv informasjon?» må fylles ut" in text
            assert "✗ «Behandler ved lokal enhet» må fylles ut" in text
            assert screen.form.field_widget("lokal_enhet").raw_value == "IDI"  # what was typed stays
            assert screen.form.field_widget("vurdering").raw_value == "godkjent"
            assert screen.form.field_widget("sensitive_opplysninger").has_class("-invalid")
            detail = store.get_case(number)
            assert detail.state.current == "M1" and not detail.history

    run(go())


def test_form_bad_value_is_marked_inline(store, tmp_path):
    number = stinn_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await _open_form(pilot, number)
            await fill(pilot, "dato_skriftlig_mottatt", "31.02.2026")
            await settle(pilot)
            assert "'31.02.2026' er ikke en gyldig dato" in screen_text(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert screen.form.field_widget("dato_skriftlig_mottatt").raw_value == "31.02.2026"

    run(go())


def test_form_draft_is_saved_and_resumed(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await _open_form(pilot, number)
            await fill(pilot, "vurdering", "ikke_godkjent")
            await fill(pilot, "begrunnelse", "Ikke avvik")
            await pilot.press("ctrl+d")
            await settle(pilot)
            draft = store.load_draft(number, "M1", USER)
            assert draft["vurdering"] == "ikke_godkjent" and draft["begrunnelse"] == "Ikke avvik"
            await fill(pilot, "samarbeid", "IE")
            await pilot.press("escape")  # leaving keeps the unsaved change as a draft too
            await settle(pilot)
            assert store.load_draft(number, "M1", USER)["samarbeid"] == "IE"
            await pilot.press("f")
            await settle(pilot)
            screen = app.screen
            assert screen.form.field_widget("begrunnelse").raw_value == "Ikke avvik"
            assert screen.form.field_widget("samarbeid").raw_value == "IE"
            assert screen.form.field_widget("begrunnelse").display
            assert ("Utkast gjenopptatt.", "information") in notes(app)
            assert store.get_case(number).state.current == "M1"  # a draft is not a submit

    run(go())


async def _m1_not_a_deviation(pilot, number: str):  # noqa: ANN001, ANN202
    """The M1 form open with «not a deviation» filled in, not yet submitted."""
    screen = await _open_form(pilot, number)
    for field_id, value in (("sensitive_opplysninger", False), ("kritikkverdige_forhold", False),
                            ("vurdering", "ikke_godkjent"), ("begrunnelse", "Ikke avvik")):
        await fill(pilot, field_id, value)
    return screen


def test_form_submit_goes_through_after_someone_elses_note(store, tmp_path):
    """A note written meanwhile changes nothing the step depends on: the submit is not refused."""
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await _m1_not_a_deviation(pilot, number)
            store.add_note(number, "Per var her.", by="per")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is not screen, notes(app)
            assert not any(sev == "error" for _m, sev in notes(app)), notes(app)
            assert [h.ref for h in store.get_case(number).history] == ["M1"]

    run(go())


def test_form_concurrent_edit_is_a_notification_and_answers_stay(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await _m1_not_a_deviation(pilot, number)
            store.add_note(number, "Per var her.", by="per")  # someone else writes meanwhile
            store.add_party(number, "vitne", "Vera Vitne", by="per")  # and adds a party: the form is stale
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            # The refusal names who changed what (journal kinds and authors only: no case text).
            assert any("saken er endret" in m and "per skrev et notat" in m and "per la til en part" in m
                       and "Per var her" not in m and "Vera" not in m
                       and sev == "error" for m, sev in notes(app)), notes(app)
            assert screen.form.field_widget("begrunnelse").raw_value == "Ikke avvik"
            assert store.load_draft(number, "M1", USER)["begrunnelse"] == "Ikke avvik"
            assert store.get_case(number).state.current == "M1"

    run(go())


def test_form_help_shows_the_fields_procedure_text_and_the_keys(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await _open_form(pilot, number)
            await fill(pilot, "kritikkverdige_forhold", True)
            await pilot.press("f1")
            await settle(pilot)
            assert type(app.screen).__name__ == "HelpScreen"
            text = screen_text(app)
            assert "Om feltet «Gjelder meldingen alvorlige og kritikkverdige forhold?»" in text
            assert "Meldinger om alvorlige og kritikkverdige forhold i tilknytning til undervisning" in text
            assert "Send inn" in text and "Lagre utkast" in text
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "StepFormScreen"

    run(go())


def test_submitting_returns_to_the_reloaded_detail(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await _open_form(pilot, number)
            for field_id, value in (("sensitive_opplysninger", False), ("kritikkverdige_forhold", False),
                                    ("vurdering", "ikke_godkjent"), ("begrunnelse", "Ikke avvik")):
                await fill(pilot, field_id, value)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert "Avsluttet 23.11.2026: ikke godkjent" in screen_text(app)
            assert any(m.startswith("Steg M1 fullført.") for m, _ in notes(app))
            assert store.load_draft(number, "M1", USER) in (None, {})
            assert "f" not in app.screen.active_bindings or not app.screen.active_bindings["f"].enabled

    run(go())


# -- new case -----------------------------------------------------------------------------------

def test_new_case_bad_date_and_missing_title_are_marked_and_nothing_is_lost(store, tmp_path):
    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.new_case()
            await settle(pilot)
            screen = app.screen
            await choose(pilot, app.focused, "ntnu-avvik")
            await settle(pilot)
            assert screen.query_one("#new-received").value == "23.11.2026"  # today by default
            await fill(pilot, "received-field", "31.02.2026", prefix="new")
            await fill(pilot, "melder_type", "ansatt")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert any("Ikke registrert" in m and sev == "error" for m, sev in notes(app)), notes(app)
            text = screen_text(app)
            assert "Saken må ha en tittel." in text and "'31.02.2026' er ikke en gyldig dato" in text
            assert screen.query_one("#new-received").value == "31.02.2026"
            assert store.list_cases() == []
            # Fix both and register: the new case opens.
            await fill(pilot, "title-field", "Manglende pensumliste", prefix="new")
            await fill(pilot, "received-field", "2026-11-20", prefix="new")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            [case] = store.list_cases()
            assert (case.title, case.received, case.classification) == \
                ("Manglende pensumliste", date(2026, 11, 20), "fortrolig")
            assert store.get_case(case.number).intake == {"melder_type": "ansatt"}

    run(go())


def test_new_case_classification_can_be_raised_not_lowered(store, tmp_path):
    async def go():
        app = make_app(tmp_path / "varsel.db")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.new_case()
            await settle(pilot)
            screen = app.screen
            await choose(pilot, app.focused, "ntnu-avvik")
            await settle(pilot)
            select = screen.query_one("#new-classification")
            assert [v for _label, v in select._options] == ["fortrolig", "strengt_hemmelig"]
            assert "Prosedyren sier: fortrolig" in screen_text(app)
            await fill(pilot, "class-field", "strengt_hemmelig", prefix="new")
            await fill(pilot, "title-field", "Sak", prefix="new")
            await fill(pilot, "melder_type", "student")
            await pilot.press("ctrl+s")
            await settle(pilot)
            [case] = store.list_cases()
            assert case.classification == "strengt_hemmelig"

    run(go())


# -- command palette ----------------------------------------------------------------------------

def test_case_number_in_the_palette():
    from varsel_tui.tui.commands import case_number

    assert case_number("2026-42") == "2026-0042"
    assert case_number("sak 26-7") == "2026-0007"
    assert case_number("2026-0001") == "2026-0001"
    assert case_number("journal") is None


def test_palette_offers_the_screens_actions(store, tmp_path):
    number = avvik_case(store).case.number

    async def go():
        from textual.command import CommandPalette

        from varsel_tui.tui.commands import CaseCommands

        app = make_app(tmp_path / "varsel.db")
        if CaseCommands not in app.COMMANDS:
            app.COMMANDS = app.COMMANDS | {CaseCommands}
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await open_case(pilot, number)
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)
            await type_text(pilot, "journalnotat")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "NoteDialog"
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("ctrl+p")
            await settle(pilot)
            await type_text(pilot, number)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert len([s for s in app.screen_stack if type(s).__name__ == "CaseDetailScreen"]) == 2

    run(go())


# -- snapshots (fixed date, fixed clock, seeded database, 100×32) --------------------------------

def _snapshot_app(tmp_path, number, then=(), user=USER):  # noqa: ANN001, ANN202
    app = make_app(tmp_path / "varsel.db", user=user)

    async def before(pilot):  # noqa: ANN001, ANN202
        await settle(pilot)
        await open_case(pilot, number)
        for key in then:
            await pilot.press(key)
            await settle(pilot)

    return app, before


def test_snapshot_case_detail(store, tmp_path, snap_compare):
    number = stinn_concerning_ou(store)
    app, before = _snapshot_app(tmp_path, number, user=KKV_USER)  # the case concerns OU: KKV has it
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_snapshot_step_form(store, tmp_path, snap_compare):
    number = avvik_case(store).case.number
    app = make_app(tmp_path / "varsel.db")

    async def before(pilot):  # noqa: ANN001, ANN202
        await settle(pilot)
        await open_case(pilot, number)
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, "sensitive_opplysninger", False)
        await fill(pilot, "vurdering", "endre_enhet")
        await fill(pilot, "ny_enhet", "NV-fakultetet")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_snapshot_new_case(store, tmp_path, snap_compare):
    app = make_app(tmp_path / "varsel.db")

    async def before(pilot):  # noqa: ANN001, ANN202
        await settle(pilot)
        pilot.app.new_case()
        await settle(pilot)
        await choose(pilot, pilot.app.focused, "stinn-varsling")
        await fill(pilot, "title-field", "Varsel om trakassering", prefix="new")
        await fill(pilot, "kanal", "skriftlig")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_english_has_every_string(store, tmp_path):
    """--lang en: no screen shows an untranslated i18n key."""
    import re

    from varsel_tui.tui import i18n

    number = avvik_case(store).case.number
    raw_key = re.compile(r"\b(?:case|form|new|help|dialog|timeline|cmd)\.[a-z_.]*[a-z]\b")

    async def go():
        app = make_app(tmp_path / "varsel.db")
        seen = []
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for keys in ((), ("a",), ("escape", "j"), ("escape", "f"), ("ctrl+s",), ("f1",)):
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                if not keys:
                    await open_case(pilot, number)
                text = screen_text(app)
                seen.append(text)
                assert not raw_key.findall(text), (keys, raw_key.findall(text))
                bindings = [b.binding.description for b in app.screen.active_bindings.values()]
                assert not [d for d in bindings if raw_key.fullmatch(d)], bindings
            assert "Procedure" in seen[0] and "Responsible: Meldingsansvarlig" in seen[3]

    i18n.set_lang("en")
    try:
        run(go())
    finally:
        i18n.set_lang("nb")
