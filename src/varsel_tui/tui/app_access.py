"""`self.varsel`: the running `VarselApp`, typed, for screens that use the app's own members.

Textual types `self.app` as a plain `App`, so `self.app.store` is an error to mypy. Screens that
use the store, the user, `open_case` and the like mix in `VarselAppMixin` and write
`self.varsel.store`; Textual's own API (`push_screen`, `call_from_thread`, …) stays `self.app`.
It is a cast, not a check: nothing changes at run time, and this module imports nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from .app import VarselApp


class _HasApp(Protocol):
    """What the mixin needs of its host: Textual's `app` (every DOM node has it)."""

    @property
    def app(self) -> App[Any]: ...


class VarselAppMixin:
    """For a Screen or Widget subclass: list it first, e.g. `class CaseScreen(VarselAppMixin, Screen)`."""

    @property
    def varsel(self: _HasApp) -> VarselApp:
        return cast("VarselApp", self.app)
