from varsel_tui.domain.names import name_key, same_name


def test_norwegian_names_match_whatever_their_case_and_unicode_form():
    assert same_name("Ørjan Ås", "ørjan ås")
    assert same_name("Ørjan Ås", "ØRJAN  A\u030aS")  # decomposed Å, doubled space
    assert same_name("Æsa Ødegård", "æsa ødegå\u030ard".replace("å\u030a", "a\u030a"))
    assert not same_name("Ørjan Ås", "Orjan As")
    assert not same_name("", "") and not same_name(None, "x")
    assert name_key("  Straße ") == "strasse"
