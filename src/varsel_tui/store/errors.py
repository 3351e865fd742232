"""The store's errors a caller acts on (every one is a StoreError: one line for the user)."""

from __future__ import annotations

from ..domain.forms import Problem
from .db import StoreError


class NotFound(StoreError):
    pass


class ConcurrentEdit(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class ValidationFailed(StoreError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" if p.field else p.message
                                   for p in problems if p.severity == "error"))


class NotApproved(StoreError):
    """Someone who is not (or no longer) an approved user tried to work with cases."""
