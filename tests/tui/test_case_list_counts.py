"""The queue list's count when a new query's count is slow or fails: the rows shown and the
cursor stay within what was read, and a page past the end is not read again and again."""

from __future__ import annotations

import asyncio
from datetime import date

from textual.app import App

from varsel_tui.store.queue import Row
from varsel_tui.tui.widgets.case_list import CaseList, with_query


def _row(i: int) -> Row:
    return Row(i, f"2026-{i:04d}", "ntnu-avvik", "fortrolig", f"Sak {i}", "M1", "Vurdere meldingen", "OU",
               date(2026, 12, 1), "open", None, False)


class FakeSource:
    """1,000 cases without a filter, 80 with the filter «x», whose count fails."""

    def __init__(self) -> None:
        self.sizes = {"": 1000, "x": 80}
        self.reads: list[tuple[str, int]] = []

    def page(self, text, view, column, descending, offset, limit, today, user):  # noqa: ANN001, ANN201
        self.reads.append((text, offset))
        return [_row(i) for i in range(offset, min(offset + limit, self.sizes[text]))]

    def count(self, text, view, today, user):  # noqa: ANN001, ANN201
        if text == "x":
            raise RuntimeError("the count failed")
        return self.sizes[text]

    def interrupt(self) -> None:
        pass


class Host(App):
    def __init__(self, source: FakeSource) -> None:
        super().__init__()
        self.source = source

    def compose(self):  # noqa: ANN201
        yield CaseList(self.source, "kari", lambda: date(2026, 11, 23), id="cases")


async def _loaded(pilot, case_list: CaseList) -> None:  # noqa: ANN001
    for _ in range(200):
        await pilot.pause(0.01)
        if case_list.loaded:
            return
    raise AssertionError("the list did not settle")


def test_a_failed_count_leaves_the_rows_read_and_no_endless_reads():
    source = FakeSource()

    async def go() -> None:
        app = Host(source)
        async with app.run_test(size=(100, 20)) as pilot:
            case_list = app.query_one(CaseList)
            case_list.reload()  # as the queue screen does when it is mounted
            await _loaded(pilot, case_list)
            assert case_list.count == 1000
            with_query(case_list, filter_text="x")
            await _loaded(pilot, case_list)
            # The first page (60 rows) is what is known; the previous query's 1,000 is not offered.
            assert case_list.count == 60 and case_list.error == "the count failed"
            case_list.focus()
            await pilot.press("end")
            await pilot.pause(0.05)
            assert case_list.cursor == 59
            reads = len(source.reads)
            await pilot.pause(0.3)  # a few frames: nothing is read again
            assert len(source.reads) == reads

    asyncio.run(go())
