"""In-memory unlock session: the user's private key and unwrapped case data keys.

Memory hygiene in Python is best-effort: cached data keys are kept in bytearrays and
overwritten on :meth:`UnlockSession.lock`, and all references are dropped, but copies
handed to callers (``bytes``), the private key object and interpreter internals cannot
be wiped. :func:`disable_core_dumps` keeps such copies out of core files.
"""

from __future__ import annotations

import time
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from . import envelope, keys
from .errors import NotEntitled, SessionLocked

__all__ = ["DEFAULT_IDLE_TIMEOUT", "UnlockSession", "disable_core_dumps"]

DEFAULT_IDLE_TIMEOUT = 600.0  # seconds


def disable_core_dumps() -> bool:
    """Best-effort ``RLIMIT_CORE = 0``; True if applied. Never raises."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        return True
    except (ImportError, AttributeError, ValueError, OSError):
        return False


class UnlockSession:
    """Holds one user's unsealed private key and a cache of unwrapped data keys.

    ``clock`` (default ``time.monotonic``) supplies ``now`` when :meth:`touch` /
    :meth:`expired` are called without one; tests pass explicit times.
    """

    def __init__(
        self,
        user_id: str,
        private_key: X25519PrivateKey,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user_id = user_id
        self.public_key = keys.public_bytes(private_key)
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._private_key: X25519PrivateKey | None = private_key
        self._data_keys: dict[str, bytearray] = {}
        self._last_activity = clock()

    @classmethod
    def unlock(cls, user_id: str, sealed: bytes, passphrase: str, **kwargs) -> "UnlockSession":
        """Unseal ``sealed`` with ``passphrase`` (WrongPassphrase on failure) and start a session."""
        return cls(user_id, keys.unseal_private_key(sealed, passphrase), **kwargs)

    @property
    def locked(self) -> bool:
        return self._private_key is None

    def touch(self, now: float | None = None) -> None:
        """Record user activity (resets the idle timer)."""
        self._last_activity = self._clock() if now is None else now

    def expired(self, now: float | None = None) -> bool:
        """True once idle for ``idle_timeout`` seconds (the caller then calls :meth:`lock`)."""
        now = self._clock() if now is None else now
        return now - self._last_activity >= self.idle_timeout

    def data_key(self, case_id: str, wrap: bytes | None) -> bytes:
        """Data key for ``case_id``: cached, or unwrapped from this user's ``wrap``.

        ``wrap`` is this user's wrap for the case, or None if there is none (NotEntitled).
        Raises SessionLocked after :meth:`lock`, TamperedData on a bad wrap.
        """
        if self._private_key is None:
            raise SessionLocked()
        cached = self._data_keys.get(case_id)
        if cached is not None:
            return bytes(cached)
        if wrap is None:
            raise NotEntitled()
        key = envelope.unwrap_data_key(wrap, self._private_key, case_id=case_id, recipient_id=self.user_id)
        self._data_keys[case_id] = bytearray(key)
        return key

    def forget_case(self, case_id: str) -> None:
        """Drop a cached data key (after re-key, access removal or crypto-shredding)."""
        cached = self._data_keys.pop(case_id, None)
        if cached is not None:
            cached[:] = bytes(len(cached))

    def lock(self) -> None:
        """Overwrite cached data keys and drop every reference to key material."""
        for case_id in list(self._data_keys):
            self.forget_case(case_id)
        self._private_key = None

    @property
    def private_key(self) -> X25519PrivateKey:
        """The unsealed private key (SessionLocked after :meth:`lock`)."""
        if self._private_key is None:
            raise SessionLocked()
        return self._private_key
