"""The light reader (store/queue.py) on both backends: only cases the viewer has access to, by
the real date; the filter's index finds what LIKE finds; no strictly secret title in the index."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from access_grants import grant

from varsel_tui.store import queue
from varsel_tui.store.demo import seed_bulk
from varsel_tui.store.queue import SORT_COLUMNS, VIEWS, access_today, open_source

TODAY = date(2026, 11, 23)
SECRET_TITLE = "Trakassering på hytteturen i Trondheim"


def _like_numbers(source, text: str, view: str, user: str, column: str = "due", descending: bool = False):
    """The rows by the plain LIKE filter and the general ORDER BY (the way before the index)."""
    where, params = queue.build_where(text, view, TODAY, user)
    order = queue.build_order(column, descending, source._pg)
    rows = source._query(f"SELECT {queue._COLUMNS} FROM cases WHERE {where} ORDER BY {order}", [TODAY, *params])
    return [r[1] for r in rows]


@pytest.fixture
def seeded(store, admin, db_url):
    seed_bulk(store, 240, seed=3, created_by="kari", span_days=200, admin=admin)
    return db_url


def test_only_cases_the_viewer_has_access_to_by_the_real_date(store, db_url, monkeypatch):
    numbers = [store.create_case("ntnu-avvik", f"Sak {i}", date(2026, 11, 2), by="per",
                                 intake={"melder_type": "student"}).case.number for i in range(5)]
    real = access_today()
    grant(db_url, ["kari"], numbers[:1])  # no end
    grant(db_url, ["kari"], numbers[1:2], until=real)  # the last day is today
    grant(db_url, ["kari"], numbers[2:3], until=real - timedelta(days=1))  # a hearing that ended
    grant(db_url, ["kari"], numbers[3:4], until=real + timedelta(days=30))
    grant(db_url, ["lars"], numbers[4:5])  # someone else's access is not kari's
    # VARSEL_TODAY moves deadlines, never access: far in the past it would revive the ended hearing.
    monkeypatch.setenv("VARSEL_TODAY", "2020-01-01")
    source = open_source(db_url)
    try:
        seen = sorted(r.number for r in source.page("", "open", "number", False, 0, 60, TODAY, "kari"))
        assert seen == [numbers[0], numbers[1], numbers[3]]
        assert source.count("", "open", TODAY, "kari") == 3
        assert source.count("sak", "open", TODAY, "kari") == 3
        # the filter's own way in (the trigram index joined with the access rows) keeps to them too
        assert sorted(r.number for r in source.page("sak", "open", "number", False, 0, 60, TODAY, "kari")) == seen
        assert [s.number for s in source.summaries("lars")] == [numbers[4]]
        assert [s.number for s in source.due("lars", TODAY, 365)] == [numbers[4]]
        assert source.page("", "open", "due", False, 0, 60, TODAY, "nobody") == []
    finally:
        source.close()


def test_views_and_sorts_keep_to_the_viewers_cases(seeded):
    source = open_source(seeded)
    try:
        mine = set(r[0] for r in source._query(
            "SELECT c.number FROM cases c JOIN case_access a ON a.case_id = c.id WHERE a.user_name = ?", ["kari"]))
        assert 0 < len(mine) < 240
        for view in VIEWS:
            for column in SORT_COLUMNS:
                for descending in (False, True):
                    shown = [r.number for r in source.page("", view, column, descending, 0, 500, TODAY, "kari")]
                    assert set(shown) <= mine
                    assert shown == _like_numbers(source, "", view, "kari", column, descending), (view, column)
                    assert source.count("", view, TODAY, "kari") == len(shown)
    finally:
        source.close()


TERMS = ["t", "tr", "2026", "2026-0", "ntnu", "avvik", "ou", "kkv", "3.", "m1", "klage på", "å", "øs", "hansen",
         "ola berg", "ikke-til-stede", "%", "_", "50%", 'sa"k', "stinn-varsling 2.", "qxz"]


def test_the_filter_index_finds_exactly_what_like_finds(seeded, store, monkeypatch):
    # A changed search text (a new party) must be in the index too: the triggers keep it in step.
    plain = next(r for r in open_source(seeded).page("", "open", "number", False, 0, 500, TODAY, "kari")
                 if not r.secret)
    store.add_party(plain.number, "vitne", "Zyxwvå Ørnulfsen", by="kari")
    # few=0: every filter counts as common (as on 100,000 cases): SQLite pages walk the sort index, or
    # for a viewer who sees under half the cases (nora) start from their access rows. One seeded
    # database for the four ways in (seeding is most of this test's time).
    for user, few in (("kari", 4000), ("nora", 4000), ("kari", 0), ("nora", 0)):
        monkeypatch.setattr(queue, "FEW_MATCHES", few)
        source = open_source(seeded)
        try:
            for text in TERMS + ["zyxwvå", "ørnulf"]:
                for view in VIEWS:
                    for column, descending in (("due", False), ("number", True), ("title", False)):
                        like = _like_numbers(source, text, view, user, column, descending)
                        got = [r.number for r in source.page(text, view, column, descending, 0, 1000, TODAY, user)]
                        assert got == like, (user, few, text, view, column)
                        assert source.count(text, view, TODAY, user) == len(like), (user, few, text, view)
            assert [r.number for r in source.page("zyxwvå", "open", "due", False, 0, 60, TODAY, "kari")] == [
                plain.number]
        finally:
            source.close()


def test_no_strictly_secret_title_or_party_is_in_the_index(store, db_url):
    secret = store.create_case("stinn-varsling", SECRET_TITLE, date(2026, 11, 2), by="kari",
                               intake={"kanal": "skriftlig", "anonym": True, "varsler_er_fornærmede": True},
                               parties=[{"role": "varsler", "name": "Sigrid Hemmelig"}]).case.number
    plain = store.create_case("ntnu-avvik", "Hyttetur uten tilrettelegging", date(2026, 11, 2), by="kari",
                              intake={"melder_type": "student"}).case.number
    grant(db_url, ["kari"])
    source = open_source(db_url)
    try:
        assert [r.number for r in source.page("hyttetu", "open", "due", False, 0, 60, TODAY, "kari")] == [plain]
        for word in ("hytteturen", "trondheim", "sigrid", "hemmelig"):
            assert source.count(word, "open", TODAY, "kari") == 0, word
        # The index itself: the SQLite trigram table answers nothing for them either.
        if not source._pg:
            for word in ("hytteturen", "trondheim", "sigrid"):
                assert source._query("SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?", [f'"{word}"']) == []
        search = source._query("SELECT search FROM cases WHERE number = ?", [secret])[0][0]
        assert "hytte" not in search and "sigrid" not in search
    finally:
        source.close()
