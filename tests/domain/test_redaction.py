"""Redaction rules: identifying fields from the workflows, anonymous names out of free text."""

from __future__ import annotations

from varsel_tui import workflows
from varsel_tui.domain.redaction import ANONYMOUS, identifying_fields, name_scrubber, scrub


def test_the_bundled_workflows_mark_their_identifying_fields():
    wfs = workflows.all_workflows()
    assert identifying_fields(wfs["stinn-varsling"]) == {"fornærmedes_side", "vitner"}
    assert identifying_fields(wfs["ntnu-avvik"]) == {"høring_deltakere"}
    assert identifying_fields(wfs["uio-varsling"]) == {"innhentet_informasjon", "innmelders_syn",
                                                       "identitet_unntak_begrunnelse"}
    assert identifying_fields(wfs["ntnu-klage"]) == set()


def test_names_are_removed_whatever_their_case_spacing_and_normal_form():
    pattern = name_scrubber(["Kari Nordmann", "Kari", "Ørjan Ås", ""])
    text = "Møte med KARI  nordmann og kari; «ØRJAN A\u030as» ringte. Karis sak."
    out = scrub(text, pattern)
    # Inside words too: a genitive («Karis») must not leave the name behind (over-redacting is the safe side).
    assert out == f"Møte med {ANONYMOUS} og {ANONYMOUS}; «{ANONYMOUS}» ringte. {ANONYMOUS}s sak."


def test_no_names_no_change():
    assert name_scrubber([]) is None and scrub("Tekst", None) == "Tekst"
