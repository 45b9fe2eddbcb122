"""Get-or-create under a per-key lease, re-reading after acquiring (dogpile's pattern).

Threads of one process queue on a local lock first, so only one of them polls the store;
across processes the backend's ``acquire`` decides. Whoever holds the lease re-reads the
cache before creating, so a waiter reuses the winner's value instead of paying again.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ..errors import ProviderUnavailable

if TYPE_CHECKING:
    from . import CacheBackend

__all__ = ["NotCached", "get_or_create"]


@dataclass(frozen=True, slots=True)
class NotCached:
    """Returned by ``create`` for a value to hand back but not to cache (a fallback image)."""

    value: str


class _KeyLock:
    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


_locks: weakref.WeakValueDictionary[str, _KeyLock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


def _local_lock(key: str) -> _KeyLock:
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _KeyLock()
            _locks[key] = lock
        return lock


def get_or_create(
    backend: CacheBackend,
    key: str,
    create: Callable[[], str | NotCached],
    *,
    ttl: timedelta,
    lease: timedelta,
    wait: float,
    poll: float = 0.05,
) -> tuple[str, bool]:
    """Return ``(value, cached)``: the cached value, or ``create()``'s, made once per key.

    Raises :class:`ProviderUnavailable` when another process holds the key for longer than
    ``wait`` seconds. An exception from ``create`` releases the lease and propagates; nothing
    is cached.
    """
    value = backend.get(key)
    if value is not None:
        return value, True
    deadline = time.monotonic() + wait
    owner = uuid.uuid4().hex
    key_lock = _local_lock(key)
    if not key_lock.lock.acquire(timeout=max(0.0, wait)):
        raise ProviderUnavailable("timed out waiting for the same image to be generated")
    try:
        delay = poll
        while True:
            value = backend.get(key)
            if value is not None:
                return value, True
            if backend.acquire(key, owner, lease):
                try:
                    value = backend.get(key)
                    if value is not None:
                        return value, True
                    made = create()
                    if isinstance(made, NotCached):
                        return made.value, False
                    backend.set(key, made, ttl)
                    return made, False
                finally:
                    backend.release(key, owner)
            if time.monotonic() >= deadline:
                raise ProviderUnavailable(
                    "timed out waiting for another process generating the same image"
                )
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.5)
    finally:
        key_lock.lock.release()
