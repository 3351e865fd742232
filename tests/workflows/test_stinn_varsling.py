"""StInn – rutine for mottak og behandling av varslingsaker (stinn-varsling.toml), walked branch by
branch as an officer would.

Every due date below was worked out by hand from the procedure's «Når» column and a Norwegian
calendar. Holidays used: påske 2026 (skjærtorsdag 2 Apr, langfredag 3 Apr, 2. påskedag 6 Apr),
Kristi himmelfart Thu 14 May 2026, 2. pinsedag Mon 25 May 2026, 1./2. juledag Fri 25 / Sat 26 Dec
2026, nyttårsdag Fri 1 Jan 2027. Julaften (Thu 24 Dec) is an ordinary working day by law.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from walk import Walk

from varsel_tui.domain.engine import describe

WF = "stinn-varsling"
MUNTLIG = {"kanal": "muntlig", "varsler_er_fornærmede": False}
SKRIFTLIG = {"kanal": "skriftlig", "anonym": False, "varsler_er_fornærmede": True}

# The smallest valid answers per step; a test overrides what its branch is about.
BASE: dict[str, dict] = {
    "1.1": {"anonym": False},
    "1.2": {"gjelder_linjeleder": False, "har_myndighet": True},
    "1.3": {"fornærmede_informert": True},
    "2.1": {"innsendt_via": "nettside"},
    "2.2": {"otrs_saksnummer": "2026-0001", "kø": "OU"},
    "2.4": {"gradert_strengt_hemmelig": True},
    "2.5": {"politi_opplyst": True, "innsyn_opplyst": True},
    **{f"{p}.{n}": {"pkvm_2_3_oppfylt": False} for p, n in (("3", 7), ("4", 6), ("5", 6))},
    **{s: {"samtykke": True} for s in ("3.8", "4.7", "5.7")},
    **{s: {"vedtak_tekst": "Tilrettelegging: faste møtetider."} for s in ("3.11", "4.10", "5.10")},
    **{s: {"sensurert_rapport": True} for s in ("3.12", "4.11", "5.11")},
    **{s: {"klageadgang_opplyst": True} for s in ("3.13", "4.12")},
    **{s: {"påklaget": False} for s in ("3.14", "4.13")},
    "5.12": {"endelig_opplyst": True},
    "6.3": {"kopier_makulert": True},
}

PHASE2 = "2.1 2.2 2.3 2.4 2.5"
PHASE3_TO_DECISION = "3.1 3.2 3.3 3.4 3.5 3.6 3.7"
PHASE6 = "6.1 6.2 6.3 6.4"


def run(w: Walk, steps: str, on: date, **answers: dict) -> None:
    """Complete the steps in order on `on`; `answers` by step id (dots as underscores: s3_11=...)."""
    for sid in steps.split():
        extra = answers.get("s" + sid.replace(".", "_"), {})
        w.complete(sid, {**BASE.get(sid, {}), **extra}, on=on)


def dues(w: Walk, *ids: str) -> dict[str, str | None]:
    st = w.state
    return {i: st.steps[i].due.isoformat() if st.steps[i].due else None for i in ids}


def statuses(w: Walk, ids: str) -> set[tuple[str, str]]:
    st = w.state
    return {(st.steps[i].status, st.steps[i].reason) for i in ids.split()}


def ids(a: str, b: str, w: Walk) -> str:
    order = [s.id for s in w.wf.steps]
    return " ".join(order[order.index(a): order.index(b) + 1])


SOURCE = Path(__file__).resolve().parents[3] / "shared" / "procedures" / "stinn-rutine-varslingssaker.nb.txt"


@pytest.mark.skipif(not SOURCE.exists(), reason="the procedure text is not checked out next to the repo")
def test_every_source_step_is_there_with_its_title_role_and_naar_text():
    rows = {m[1]: m.groups() for line in SOURCE.read_text(encoding="utf-8").splitlines()
            if (m := re.match(r"^(\d\.\d+)\t([^\t]*)\t[^\t]*\t([^\t]*)\t?(.*)$", line))}
    wf = Walk(WF, received=date(2026, 1, 5)).wf
    assert [s.id for s in wf.steps] == list(rows)  # 57 steps, in the source's order
    for step in wf.steps:
        _, title, role, when = rows[step.id]
        assert step.title == title.strip(), step.id
        assert (step.deadline.text if step.deadline else "") == when.strip(), step.id
        # Two roles are blank in the source and filled in (commented in the TOML).
        assert step.role == {"1.3": "Linjeleder", "3.14": "NL-AU"}.get(step.id, role.strip()), step.id


# --- fase 1: muntlig varsling --------------------------------------------------------------------

def test_muntlig_enighet_loses_i_fase_1_over_paske():
    w = Walk(WF, received=date(2026, 4, 1), intake=MUNTLIG)  # onsdag før skjærtorsdag
    assert w.state.current == "1.1" and w.state.body == "linjeleder"
    run(w, "1.1", date(2026, 4, 1))
    # 2/4/5 virkedager etter 1.1 (1 Apr): 2., 3. og 6. april er helligdager.
    assert dues(w, "1.2", "1.3", "1.4", "1.5", "1.6", "1.7") == {
        "1.2": "2026-04-01", "1.3": "2026-04-08", "1.4": "2026-04-08",
        "1.5": "2026-04-10", "1.6": "2026-04-13", "1.7": "2026-04-13",
    }
    run(w, "1.2", date(2026, 4, 1))
    run(w, "1.3", date(2026, 4, 7))
    run(w, "1.4", date(2026, 4, 8))
    run(w, "1.5", date(2026, 4, 10), s1_5={"enighet": True, "løsning": "Faste vakter byttes."})
    assert w.state.current == "1.6"
    st = w.complete("1.6", {}, on=date(2026, 4, 13))
    assert (st.status, st.outcome, st.closed_on) == ("closed", "løst i fase 1", date(2026, 4, 13))
    assert statuses(w, "1.1 1.2 1.3 1.4 1.5 1.6") == {("done", "")}
    assert statuses(w, ids("1.7", "6.4", w)) == {("skipped", "løst hos linjeleder: partene ble enige (1.5–1.6)")}


def test_muntlig_uten_enighet_gaar_til_fase_2_og_3_fra_skriftlig_mottak():
    w = Walk(WF, received=date(2026, 5, 4), intake=MUNTLIG)
    run(w, "1.1 1.2 1.3 1.4", date(2026, 5, 4))
    run(w, "1.5", date(2026, 5, 8), s1_5={"enighet": False})
    assert w.state.current == "1.7"
    assert w.state.steps["1.6"].status == "skipped"
    assert w.state.steps["1.6"].reason == "partene ble ikke enige (1.5)"
    assert dues(w, "1.7") == {"1.7": "2026-05-11"}  # 5 virkedager etter mandag 4. mai
    run(w, "1.7", date(2026, 5, 11))
    assert (w.state.current, w.state.body) == ("2.1", "OU")
    # Den skriftlige varslingen kommer inn tirsdag 12. mai; fase 2–3 regnes fra den, ikke fra 1.1.
    run(w, PHASE2, date(2026, 5, 12))
    assert w.state.events["varsling_mottatt"] == date(2026, 5, 12)
    assert (w.state.current, w.state.body) == ("3.1", "OU")
    assert dues(w, "2.2", "3.1", "3.3", "3.6", "3.12", "3.13") == {
        "2.2": "2026-05-12",
        "3.1": "2026-05-15",   # 13., (14. Kristi himmelfart), 15.
        "3.3": "2026-05-18",
        "3.6": "2026-05-26",   # 25. mai er 2. pinsedag
        "3.12": "2026-05-27", "3.13": "2026-05-28",
    }


def test_varsel_om_linjeleder_sendes_til_ou_og_hopper_til_2_1():
    w = Walk(WF, received=date(2026, 3, 9), intake=MUNTLIG)
    run(w, "1.1", date(2026, 3, 9))
    out = w.preview({"gjelder_linjeleder": True})
    assert out.ok and out.next_step == "2.1"
    assert describe(out, w.wf)[0].startswith("Linjeleder har ikke myndighet: varslingsaken sendes til OU")
    st = w.complete("1.2", {"gjelder_linjeleder": True}, on=date(2026, 3, 9))
    assert (st.current, st.body) == ("2.1", "OU")
    assert statuses(w, "1.3 1.4 1.5 1.6 1.7") == {
        ("skipped", "linjeleder har ikke myndighet til å behandle saken; den er sendt til OU (1.2)")}


def test_linjeleder_uten_myndighet_og_sporsmal_som_vises_og_kreves():
    w = Walk(WF, received=date(2026, 3, 9), intake=MUNTLIG)
    run(w, "1.1", date(2026, 3, 9))
    missing = w.preview({"gjelder_linjeleder": False})
    assert [(p.field, p.message) for p in missing.problems] == [
        ("har_myndighet", "«Har linjeleder myndighet til å ivareta en god behandling?» må fylles ut")]
    # When the case concerns the line leader, the authority question is hidden and its answer dropped.
    hidden = w.preview({"gjelder_linjeleder": True, "har_myndighet": True})
    assert hidden.ok and "har_myndighet" not in hidden.answers and hidden.next_step == "2.1"
    assert w.preview({"gjelder_linjeleder": False, "har_myndighet": False}).next_step == "2.1"
    kept = w.preview({"gjelder_linjeleder": False, "har_myndighet": True})
    assert kept.next_step == "1.3" and not kept.skipped


def test_preview_forhandling_1_5_sier_hva_som_skjer():
    w = Walk(WF, received=date(2026, 3, 9), intake=MUNTLIG)
    run(w, "1.1 1.2 1.3 1.4", date(2026, 3, 9))
    enige = w.preview({"enighet": True, "løsning": "Ny vaktordning."})
    assert enige.next_step == "1.6" and not enige.skipped and not enige.closes
    assert describe(enige, w.wf) == [
        "Partene er enige: løsningen sendes skriftlig til begge parter (1.6), og prosessen avsluttes etter det.",
        "Neste steg: 1.6 Løsning sendes skriftlig til begge parter.",
    ]
    uenige = w.preview({"enighet": False})
    assert uenige.next_step == "1.7" and uenige.skipped == [("1.6", "partene ble ikke enige (1.5)")]
    assert "Hopper over 1.6: partene ble ikke enige (1.5)." in describe(uenige, w.wf)
    # enighet is required, the agreed solution only when they agree.
    assert [p.field for p in w.preview({}).problems] == ["enighet"]
    assert [p.field for p in w.preview({"enighet": True}).problems] == ["løsning"]
    assert w.preview({"enighet": "kanskje"}).problems[0].message == "'kanskje' er ikke ja/nei"


def test_anonym_varsler_maa_staa_paa_blindkopi_i_1_6():
    w = Walk(WF, received=date(2026, 3, 9), intake=MUNTLIG)
    run(w, "1.1 1.2 1.3 1.4", date(2026, 3, 9), s1_1={"anonym": True})
    run(w, "1.5", date(2026, 3, 9), s1_5={"enighet": True, "løsning": "x"})
    bad = w.preview({"varsler_på_blindkopi": False})
    assert not bad.ok
    assert bad.problems[0].message.startswith("Varsler ønsker å være anonym: varsler skal legges på blindkopi")
    good = w.preview({"varsler_på_blindkopi": True})
    assert good.ok and good.closes and good.outcome == "løst i fase 1"


def test_fornaermede_maa_informeres_i_1_3_naar_varsler_er_en_annen():
    w = Walk(WF, received=date(2026, 3, 9), intake=MUNTLIG)
    run(w, "1.1 1.2", date(2026, 3, 9))
    assert [p.field for p in w.preview({}).problems] == ["fornærmede_informert"]
    assert not w.preview({"fornærmede_informert": False}).ok
    self_reported = Walk(WF, received=date(2026, 3, 9), intake={**MUNTLIG, "varsler_er_fornærmede": True})
    run(self_reported, "1.1 1.2", date(2026, 3, 9))
    assert self_reported.preview({}).ok  # the question is not asked


# --- fase 2–3: skriftlig varsling, OU ------------------------------------------------------------

def test_skriftlig_uten_mistillit_og_uten_klage_avsluttes_av_ou():
    w = Walk(WF, received=date(2026, 5, 11), intake=SKRIFTLIG)  # mandag før Kristi himmelfart
    st = w.state
    assert (st.current, st.body) == ("2.1", "OU")
    assert statuses(w, "1.1 1.2 1.3 1.4 1.5 1.6 1.7") == {
        ("skipped", "varslingen kom skriftlig (fase 1 gjelder bare muntlige varslingsaker)")}
    run(w, PHASE2, date(2026, 5, 11))
    assert dues(w, "3.1", "3.3", "3.6", "3.7", "3.11", "3.12", "3.13") == {
        "3.1": "2026-05-13", "3.3": "2026-05-15", "3.6": "2026-05-22", "3.7": "2026-05-22",
        "3.11": "2026-05-22", "3.12": "2026-05-26", "3.13": "2026-05-27",
    }
    run(w, PHASE3_TO_DECISION, date(2026, 5, 21))
    assert w.state.current == "3.11"
    assert statuses(w, "3.8 3.9 3.10") == {("skipped", "organet stiller ikke mistillitsforslag (3.7)")}
    run(w, "3.11", date(2026, 5, 22), s3_11={"vedtaksdato": "22.05.2026"})
    assert w.state.events["vedtak"] == date(2026, 5, 22)
    run(w, "3.12 3.13", date(2026, 5, 26))
    assert dues(w, "3.14") == {"3.14": "2026-06-12"}  # 3 uker etter vedtaket
    # Fase 6 har ingen frist før saken er der: ikke 5 virkedager etter vedtaket 22. mai (29. mai),
    # midt i klagefristen.
    assert dues(w, "6.1", "6.4") == {"6.1": None, "6.4": None}
    assert w.state.steps["6.3"].counts_from.startswith("5 virkedager etter at vedtaket er endelig")
    # «Ikke påklaget» først når klagefristen er ute: fredag 12. juni er fristens siste dag.
    assert not w.preview({"påklaget": False}, on=date(2026, 6, 12)).ok
    run(w, "3.14", date(2026, 6, 15))
    st = w.state
    assert (st.current, st.body) == ("6.1", "OU")
    assert statuses(w, ids("3.15", "5.12", w)) == {("skipped", "vedtaket ble ikke påklaget")}
    # Fase 6 regnes fra da vedtaket ble endelig (avklart uten klage mandag 15. juni), ikke fra 22. mai:
    # 16., 17., 18., 19., 22. juni.
    assert dues(w, "6.1", "6.2", "6.3", "6.4") == dict.fromkeys(("6.1", "6.2", "6.3", "6.4"), "2026-06-22")
    st = w.complete("6.1", {}, on=date(2026, 6, 15))
    run(w, "6.2 6.3 6.4", date(2026, 6, 17))
    st = w.state
    assert (st.status, st.outcome, st.closed_on) == ("closed", "avgjort av OU", date(2026, 6, 17))


def test_preview_3_7_uten_mistillitsforslag_hopper_til_3_11():
    w = Walk(WF, received=date(2026, 5, 11), intake=SKRIFTLIG)
    run(w, PHASE2 + " 3.1 3.2 3.3 3.4 3.5 3.6", date(2026, 5, 11))
    out = w.preview({"pkvm_2_3_oppfylt": True, "mistillitsforslag": False})
    assert out.next_step == "3.11"
    assert describe(out, w.wf) == [
        "Organet stiller ikke mistillitsforslag: hopper til 3.11 (tilrettelegginger og eventuelle sanksjoner).",
        "Hopper over 3.8–3.10: organet stiller ikke mistillitsforslag (3.7).",
        "Neste steg: 3.11 Vedta tilrettelegginger og eventuelle sanksjoner.",
    ]
    assert w.preview({"pkvm_2_3_oppfylt": True, "mistillitsforslag": True}).next_step == "3.8"
    assert [p.field for p in w.preview({"pkvm_2_3_oppfylt": True}).problems] == ["mistillitsforslag"]


def test_3_8_nei_til_samtykke_hopper_til_3_11():
    w = Walk(WF, received=date(2026, 5, 11), intake=SKRIFTLIG)
    run(w, PHASE2 + " 3.1 3.2 3.3 3.4 3.5 3.6", date(2026, 5, 11))
    run(w, "3.7", date(2026, 5, 20), s3_7={"pkvm_2_3_oppfylt": True, "mistillitsforslag": True})
    out = w.preview({"samtykke": False})
    assert out.next_step == "3.11" and out.skipped == [
        ("3.9", "fornærmede samtykker ikke til mistillitsforslag (3.8)"),
        ("3.10", "fornærmede samtykker ikke til mistillitsforslag (3.8)"),
    ]
    assert describe(out, w.wf)[0].startswith("Fornærmede samtykker ikke: organet kan ikke fremme mistillitsforslag")
    st = w.complete("3.8", {"samtykke": False}, on=date(2026, 5, 20))
    assert st.current == "3.11" and st.steps["3.8"].status == "done"


def test_2_2_koen_maa_vaere_forste_instans():
    ou = Walk(WF, received=date(2026, 5, 11), intake=SKRIFTLIG, concerns={"OU"})
    run(ou, "2.1", date(2026, 5, 11))
    bad = ou.preview({"otrs_saksnummer": "1", "kø": "OU"})
    assert [(p.field, p.message) for p in bad.problems] == [
        ("kø", "Saken gjelder OU eller et av medlemmene: fase 3 hoppes over, og saken skal legges i KKVs kø (fase 4).")]
    assert ou.preview({"otrs_saksnummer": "1", "kø": "KKV"}).ok
    plain = Walk(WF, received=date(2026, 5, 11), intake=SKRIFTLIG)
    run(plain, "2.1", date(2026, 5, 11))
    assert plain.preview({"otrs_saksnummer": "1", "kø": "KKV"}).problems[0].message == (
        "Første instans er OU (fase 3): saken skal legges i OUs kø.")
    assert [p.field for p in plain.preview({"kø": "OU"}).problems] == ["otrs_saksnummer"]
    assert plain.preview({"otrs_saksnummer": "1", "kø": "OTRS"}).problems[0].message.startswith(
        "'OTRS' er ikke et av valgene")


# --- klage: fase 4 og 5 -------------------------------------------------------------------------

def test_klage_til_kkv_med_mistillit_og_endelig_vedtak_i_presidentskapet_over_jul():
    w = Walk(WF, received=date(2026, 11, 2), intake=SKRIFTLIG)
    run(w, PHASE2 + " 3.1 3.2 3.3 3.4 3.5 3.6", date(2026, 11, 2))
    run(w, "3.7", date(2026, 11, 10), s3_7={"pkvm_2_3_oppfylt": True, "mistillitsforslag": True})
    run(w, "3.8 3.9 3.10", date(2026, 11, 11))  # 3.10 → 3.11: the source names no jump in phase 3
    run(w, "3.11 3.12 3.13", date(2026, 11, 12), s3_11={"vedtaksdato": "2026-11-12"})
    assert statuses(w, ids("3.1", "3.13", w)) == {("done", "")}
    assert dues(w, "3.14") == {"3.14": "2026-12-03"}
    out = w.preview({"påklaget": True, "klagedato_ou": "2026-11-30"})
    assert out.next_step == "3.15"
    assert describe(out, w.wf)[0] == ("Vedtaket er påklaget innen fristen: klagen tas imot og saken sendes "
                                      "til neste instans (3.15).")
    run(w, "3.14", date(2026, 11, 30), s3_14={"påklaget": True, "klagedato_ou": "2026-11-30"})
    assert dues(w, "3.15") == {"3.15": "2026-11-30"}  # så snart klagen er mottatt
    assert describe(w.preview({}), w.wf)[0] == "Klagen sendes til KKV (fase 4)."
    run(w, "3.15", date(2026, 12, 1))
    st = w.state
    assert (st.current, st.body) == ("4.1", "KKV")
    # Fase 4 regnes fra dagen KKV fikk saken (1. desember), ikke fra varslingen 2. november.
    assert dues(w, "4.2", "4.4", "4.5", "4.8", "4.9") == {
        "4.2": "2026-12-03", "4.4": "2026-12-04", "4.5": "2026-12-11", "4.8": "2026-12-14", "4.9": "2026-12-15"}
    run(w, "4.1 4.2 4.3 4.4 4.5", date(2026, 12, 2))
    run(w, "4.6", date(2026, 12, 3), s4_6={"pkvm_2_3_oppfylt": True, "mistillitsforslag": True})
    run(w, "4.7 4.8", date(2026, 12, 3))
    out = w.preview({}, on=date(2026, 12, 4))
    assert out.next_step == "4.12"
    run(w, "4.9", date(2026, 12, 4))
    assert statuses(w, "4.10 4.11") == {("skipped", "mistillitsforslag er sendt inn (4.9: hopp til 4.12)")}
    assert w.state.events["vedtak_kkv"] == date(2026, 12, 4)
    run(w, "4.12", date(2026, 12, 7))
    # 3 uker etter 4. desember er 1. juledag; 2. juledag og søndag følger → mandag 28. desember.
    assert dues(w, "4.13", "3.14") == {"4.13": "2026-12-28", "3.14": "2026-12-03"}
    run(w, "4.13", date(2026, 12, 21), s4_13={"påklaget": True, "klagedato_kkv": "21.12.2026"})
    assert w.state.current == "4.14" and dues(w, "4.14") == {"4.14": "2026-12-21"}
    run(w, "4.14", date(2026, 12, 22))
    st = w.state
    assert (st.current, st.body) == ("5.1", "Presidentskapet")
    assert dues(w, "5.2", "5.4", "5.5", "5.8", "5.12") == {
        "5.2": "2026-12-24",   # julaften er en virkedag
        "5.4": "2026-12-28",
        "5.5": "2027-01-05",   # nyttårsdag 1. januar
        "5.8": "2027-01-06", "5.12": "2027-01-07",
    }
    run(w, "5.1 5.2 5.3 5.4 5.5 5.6", date(2026, 12, 30))
    assert statuses(w, "5.7 5.8 5.9") == {("skipped", "organet stiller ikke mistillitsforslag (5.6)")}
    run(w, "5.10 5.11", date(2027, 1, 5), s5_10={"vedtaksdato": "2027-01-05"})
    out = w.preview({"endelig_opplyst": True})
    assert out.next_step == "6.1" and not out.skipped  # no complaint step after phase 5
    assert describe(out, w.wf)[0] == "Presidentskapets vedtak er endelig (ingen klage): saken går til fase 6 (avslutning)."
    run(w, "5.12", date(2027, 1, 6))
    st = w.state
    assert (st.current, st.body) == ("6.1", "Presidentskapet")
    assert dues(w, "6.1", "6.3", "6.4") == {"6.1": "2027-01-12", "6.3": "2027-01-12", "6.4": "2027-01-12"}
    run(w, PHASE6, date(2027, 1, 8))
    st = w.state
    assert (st.status, st.outcome) == ("closed", "endelig avgjort av Presidentskapet")
    assert {i for i, s in st.steps.items() if s.status == "skipped"} == {
        "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "4.10", "4.11", "5.7", "5.8", "5.9"}


def test_saken_gjelder_ou_kkv_er_forste_instans_og_avslutter():
    w = Walk(WF, received=date(2026, 4, 1), intake=SKRIFTLIG, concerns={"OU"})
    run(w, "2.1", date(2026, 4, 1))
    run(w, "2.2 2.3 2.4", date(2026, 4, 1), s2_2={"kø": "KKV"})
    out = w.preview({"politi_opplyst": True})
    assert out.next_step == "4.1"
    lines = describe(out, w.wf)
    assert lines[0] == "Saken gjelder OU: fase 3 hoppes over, og KKV behandler saken som første instans (fase 4)."
    assert "Hopper over 3.1–3.15: saken gjelder OU eller et av utvalgets medlemmer." in lines
    run(w, "2.5", date(2026, 4, 1))
    st = w.state
    assert (st.current, st.body) == ("4.1", "KKV")
    assert statuses(w, ids("3.1", "3.15", w)) == {("skipped", "saken gjelder OU eller et av utvalgets medlemmer")}
    # As first instance KKV counts from the written notification (1 April), across Easter.
    assert dues(w, "4.2", "4.4", "4.5", "4.8", "4.12") == {
        "4.2": "2026-04-08", "4.4": "2026-04-09", "4.5": "2026-04-16", "4.8": "2026-04-17", "4.12": "2026-04-20"}
    run(w, "4.1 4.2 4.3 4.4 4.5", date(2026, 4, 13))
    run(w, "4.6", date(2026, 4, 14), s4_6={"pkvm_2_3_oppfylt": True, "mistillitsforslag": True})
    run(w, "4.7", date(2026, 4, 14), s4_7={"samtykke": False})
    assert statuses(w, "4.8 4.9") == {("skipped", "fornærmede samtykker ikke til mistillitsforslag (4.7)")}
    run(w, "4.10 4.11 4.12", date(2026, 4, 16), s4_10={"vedtaksdato": "2026-04-16"})
    assert dues(w, "4.13") == {"4.13": "2026-05-07"}
    assert not w.preview({"påklaget": False}, on=date(2026, 5, 7)).ok  # the window's last day
    run(w, "4.13", date(2026, 5, 8))
    st = w.state
    assert (st.current, st.body) == ("6.1", "KKV")
    assert statuses(w, ids("4.14", "5.12", w)) == {("skipped", "vedtaket ble ikke påklaget")}
    # 5 virkedager etter fredag 8. mai: 11., 12., 13., (14. Kristi himmelfartsdag), 15., 18.
    assert dues(w, "6.3") == {"6.3": "2026-05-18"}
    run(w, PHASE6, date(2026, 5, 11))
    assert (w.state.status, w.state.outcome) == ("closed", "avgjort av KKV")


def test_saken_gjelder_ou_og_kkv_presidentskapet_behandler_og_sender_mistillitsforslag():
    w = Walk(WF, received=date(2026, 12, 18), intake=SKRIFTLIG, concerns={"OU", "KKV"})
    run(w, "2.1 2.2 2.3 2.4", date(2026, 12, 18), s2_2={"kø": "Presidentskapet"})
    assert describe(w.preview({"politi_opplyst": True}), w.wf)[0] == (
        "Saken gjelder både OU og KKV: fase 3 og 4 hoppes over, og Presidentskapet behandler saken (fase 5).")
    run(w, "2.5", date(2026, 12, 18))
    st = w.state
    assert (st.current, st.body) == ("5.1", "Presidentskapet")
    assert statuses(w, ids("4.1", "4.14", w)) == {("skipped", "saken gjelder KKV eller et av utvalgets medlemmer")}
    assert dues(w, "5.2", "5.4", "5.5", "5.8", "5.9") == {
        "5.2": "2026-12-22", "5.4": "2026-12-23", "5.5": "2026-12-31", "5.8": "2027-01-04", "5.9": "2027-01-05"}
    run(w, "5.1 5.2 5.3 5.4 5.5", date(2026, 12, 21))
    run(w, "5.6", date(2026, 12, 29), s5_6={"pkvm_2_3_oppfylt": True, "mistillitsforslag": True})
    run(w, "5.7 5.8", date(2026, 12, 30))
    out = w.preview({})
    assert out.next_step == "5.12"
    assert ("5.10", "mistillitsforslag er sendt inn (5.9: hopp til 5.12)") in out.skipped
    run(w, "5.9", date(2027, 1, 5))
    assert statuses(w, "5.10 5.11") == {("skipped", "mistillitsforslag er sendt inn (5.9: hopp til 5.12)")}
    run(w, "5.12", date(2027, 1, 5))
    assert (w.state.current, w.state.body) == ("6.1", "Presidentskapet")
    assert dues(w, "6.4") == {"6.4": "2027-01-12"}
    run(w, PHASE6, date(2027, 1, 7))
    assert (w.state.status, w.state.outcome) == ("closed", "endelig avgjort av Presidentskapet")


def _ou_decided_on_12_march(concerns: set[str]) -> Walk:
    w = Walk(WF, received=date(2026, 3, 2), intake=SKRIFTLIG, concerns=concerns)
    run(w, PHASE2 + " " + PHASE3_TO_DECISION, date(2026, 3, 2))
    run(w, "3.11 3.12 3.13", date(2026, 3, 12), s3_11={"vedtaksdato": "2026-03-12"})
    return w


def test_saken_gjelder_kkv_klage_paa_ou_gaar_rett_til_presidentskapet():
    w = _ou_decided_on_12_march({"KKV"})
    # 3 uker etter 12. mars er skjærtorsdag 2. april; påsken skyver fristen til tirsdag 7. april.
    assert dues(w, "3.14") == {"3.14": "2026-04-07"}
    run(w, "3.14", date(2026, 4, 7), s3_14={"påklaget": True, "klagedato_ou": "2026-04-07"})
    out = w.preview({})
    assert out.next_step == "5.1"
    assert describe(out, w.wf)[0] == "Saken gjelder KKV: klagen sendes til Presidentskapet (fase 5), og fase 4 hoppes over."
    run(w, "3.15", date(2026, 4, 7))
    st = w.state
    assert (st.current, st.body) == ("5.1", "Presidentskapet")
    assert statuses(w, ids("4.1", "4.14", w)) == {("skipped", "saken gjelder KKV eller et av utvalgets medlemmer")}
    assert dues(w, "5.2", "5.5") == {"5.2": "2026-04-09", "5.5": "2026-04-17"}


def test_klage_etter_fristen_sendes_ikke_videre():
    w = _ou_decided_on_12_march(set())
    late = w.preview({"påklaget": True, "klagedato_ou": "2026-04-08"}, on=date(2026, 4, 8))
    assert late.ok  # a warning, not an error: the officer records that a late complaint came in
    assert [(p.field, p.severity) for p in late.problems] == [("klagedato_ou", "warning")]
    assert late.next_step == "6.1"
    assert "Hopper over 3.15–5.12: klagen kom etter klagefristen (3.14), vedtaket står." in describe(late, w.wf)
    assert [p.field for p in w.preview({"påklaget": True}).problems] == ["klagedato_ou"]
    run(w, "3.14", date(2026, 4, 8), s3_14={"påklaget": True, "klagedato_ou": "2026-04-08"})
    assert (w.state.current, w.state.body) == ("6.1", "OU")
    assert w.state.steps["4.1"].reason == "klagen kom etter klagefristen (3.14), vedtaket står"


def test_preview_3_14_uten_klage_hopper_til_fase_6():
    w = _ou_decided_on_12_march(set())
    # 3 uker etter 12. mars = skjærtorsdag 2. april → tirsdag 7. april (påsken): the last day to appeal
    early = w.preview({"påklaget": False}, on=date(2026, 4, 7))
    assert [p.message for p in early.problems] == [
        "«vedtaket ble ikke påklaget» kan først registreres etter 2026-04-07 "
        "(Klagefristen for OUs vedtak: 3 uker etter vedtak ble gjort (3.14))"]
    out = w.preview({"påklaget": False}, on=date(2026, 4, 8))
    assert out.ok
    assert describe(out, w.wf) == [
        "Vedtaket ble ikke påklaget: OUs vedtak står, og saken går til fase 6 (avslutning).",
        "Hopper over 3.15–5.12: vedtaket ble ikke påklaget.",
        "Neste steg: 6.1 Evaluere og lære av saken.",
    ]
    assert [p.message for p in w.preview({}).problems] == ["«Er vedtaket påklaget?» må fylles ut"]


def test_vedtaksdato_maa_vaere_en_gyldig_dato():
    w = Walk(WF, received=date(2026, 3, 2), intake=SKRIFTLIG)
    run(w, PHASE2 + " " + PHASE3_TO_DECISION, date(2026, 3, 2))
    bad = w.preview({"vedtaksdato": "31.02.2026", "vedtak_tekst": "x"})
    assert [(p.field, p.message) for p in bad.problems] == [
        ("vedtaksdato", "'31.02.2026' er ikke en gyldig dato (bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ)")]
    assert [p.field for p in w.preview({"vedtak_tekst": "x"}).problems] == ["vedtaksdato"]


def test_arkivering_krever_makulerte_kopier():
    w = _ou_decided_on_12_march(set())
    run(w, "3.14", date(2026, 4, 8))
    run(w, "6.1 6.2", date(2026, 4, 8))
    assert dues(w, "6.3") == {"6.3": "2026-04-15"}  # 5 virkedager etter onsdag 8. april
    assert not w.preview({"kopier_makulert": False}).ok
    assert w.preview({"kopier_makulert": True}).ok


@pytest.mark.parametrize("step", ["2.4", "2.5"])
def test_fase_2_krever_gradering_og_informasjon_til_varsler(step):
    w = Walk(WF, received=date(2026, 3, 2), intake={**SKRIFTLIG, "varsler_er_fornærmede": False})
    run(w, "2.1 2.2 2.3" + (" 2.4" if step == "2.5" else ""), date(2026, 3, 2))
    if step == "2.4":
        assert w.preview({"gradert_strengt_hemmelig": False}).problems[0].message == (
            "Varslingen skal graderes «strengt hemmelig» før 2.4 er ferdig.")
    else:
        problems = w.preview({"politi_opplyst": True}).problems
        assert [p.field for p in problems] == ["innsyn_opplyst"]  # varsler is not the aggrieved
        assert not w.preview({"politi_opplyst": False, "innsyn_opplyst": True}).ok


def test_receipt_goes_to_the_first_instance_the_case_does_not_concern():
    for concerns, body in ((set(), "OU"), ({"OU"}, "KKV"), ({"OU", "KKV"}, "Presidentskapet")):
        w = Walk(WF, received=date(2026, 11, 2), intake={"kanal": "skriftlig", "anonym": False,
                                                          "varsler_er_fornærmede": True}, concerns=concerns)
        assert w.state.current == "2.1" and w.state.body == body, concerns
