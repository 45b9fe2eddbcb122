"""Get-or-create under a per-key lease, re-reading after acquiring (dogpile's pattern).

Threads of one process queue on a local lock first, so only one of them polls the store;
across processes the backend's ``acquire`` decides. Whoever holds the lease re-reads the
cache before creating, so a waiter reuses the winner's value instead of paying again. Beyond
dogpile:

- **Failures are shared.** When ``create`` fails with an error that ``share_failure`` says to
  remember (a content rejection, a provider that is down), the failure is stored under the
  key for that many seconds: the waiters, and whoever asks meanwhile, get the same typed error
  instead of calling the provider themselves. After a retryable failure the next call waits
  out the failure's own backoff or ``Retry-After`` this way.
- **Leases are renewed** by a heartbeat every third of the lease while ``create`` runs, so a
  slow but live generation is never taken over, and a short lease frees a crashed holder's
  key quickly.
- **Claims**: further lease stores a holder must hold as well (the database, when the cache
  is Redis), so a generation in progress has a database row that outlives a lost Redis lease.
- Once ``create`` has succeeded (paid, stored), caching the value and releasing the lease are
  best effort: a cache that fails then must not turn a stored image into an error.
- A value not to be cached (a fallback's stand-in) is still handed to those who were
  waiting for it, so none of them calls the failing provider again; whoever asks afterwards
  tries the real provider.
- ``find``, when given, is asked now and then while waiting: a value stored elsewhere (the
  database) ends the wait, even while a lease left by a holder that lost its store is still
  running out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, ContentRejected, CosmicImagesError, ProviderUnavailable

if TYPE_CHECKING:
    from . import CacheBackend

__all__ = ["FAILURE_SUFFIX", "NotCached", "get_or_create"]

log = logging.getLogger("cosmic_images.cache")

FAILURE_SUFFIX = ":failure"
HANDOFF_SUFFIX = ":handoff"
HANDOFF_SECONDS = 30.0


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


def _best_effort(what: str, call: Callable[..., Any], *args: Any) -> None:
    try:
        call(*args)
    except CosmicImagesError as exc:
        log.warning("single flight: could not %s: %s", what, exc.message)


MAX_SHARED_SECONDS = 3600.0


def shared_seconds(seconds: float | None) -> float | None:
    """How long to share a failure, made sane: nothing for None, zero or less; at most an hour
    (a NaN or an infinite Retry-After too)."""
    if seconds is None or not seconds > 0:
        return None
    return min(seconds, MAX_SHARED_SECONDS)


def encode_failure(error: CosmicImagesError, seconds: float) -> str:
    """A failure as the cache keeps it: what to raise, and until when (wall-clock seconds)."""
    unavailable = error if isinstance(error, ProviderUnavailable) else None
    return json.dumps(
        {
            "code": error.code,
            "message": error.message,
            "retryable": bool(unavailable and unavailable.retryable),
            "until": time.time() + seconds,
        }
    )


def decode_failure(text: str) -> CosmicImagesError | None:
    """The error a shared failure stands for, as a waiter should get it (it made no call)."""
    try:
        data = json.loads(text)
        code, message, until = str(data["code"]), str(data["message"]), float(data["until"])
    except (ValueError, KeyError, TypeError):
        return None
    left = until - time.time()
    if left <= 0:
        return None
    if code == ContentRejected.code:
        return ContentRejected(message)
    if code == ConfigurationError.code:
        return ConfigurationError(message)
    return ProviderUnavailable(
        f"{message} (shared by everyone asking for this picture; try again in {left:.0f} s)",
        retryable=bool(data.get("retryable")),
        retry_after=left,
        request_made=False,
    )


def _raise_shared_failure(backend: CacheBackend, key: str) -> None:
    text = backend.get(key + FAILURE_SUFFIX)
    error = decode_failure(text) if text is not None else None
    if error is not None:
        raise error


def _handoff(backend: CacheBackend, key: str, asked_at: float) -> str | None:
    """A stand-in made while this caller was waiting (not one made before it asked)."""
    text = backend.get(key + HANDOFF_SUFFIX)
    if text is None:
        return None
    try:
        data = json.loads(text)
        value, made_at = str(data["value"]), float(data["at"])
    except (ValueError, KeyError, TypeError):
        return None
    return value if made_at >= asked_at else None


class _Heartbeat:
    """Renews the holder's leases every third of the lease until stopped."""

    def __init__(
        self, stores: Sequence[CacheBackend], key: str, owner: str, lease: timedelta
    ) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(stores, key, owner, lease), name="lease-heartbeat", daemon=True
        )

    def _run(self, stores: Sequence[CacheBackend], key: str, owner: str, lease: timedelta) -> None:
        while not self._stop.wait(lease.total_seconds() / 3):
            for store in stores:
                try:
                    if not store.renew(key, owner, lease):
                        log.warning("single flight: the lease on %s was lost", key)
                except Exception as exc:  # a host's store may raise anything: keep beating
                    log.warning("single flight: could not renew a lease: %s", exc)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _acquire_all(
    stores: Sequence[CacheBackend], key: str, owner: str, lease: timedelta
) -> list[CacheBackend]:
    """Every store's lease, or none: what was taken is given back when one refuses."""
    held: list[CacheBackend] = []
    for store in stores:
        if not store.acquire(key, owner, lease):
            for taken in held:
                _best_effort("release a lease", taken.release, key, owner)
            return []
        held.append(store)
    return held


def _never(_error: CosmicImagesError) -> float | None:
    return None


def _silent(_event: str) -> None:
    return None


def get_or_create(
    backend: CacheBackend,
    key: str,
    create: Callable[[], str | NotCached],
    *,
    ttl: timedelta,
    lease: timedelta,
    wait: float,
    share_failure: Callable[[CosmicImagesError], float | None] = _never,
    claims: Sequence[CacheBackend] = (),
    find: Callable[[], str | None] | None = None,
    on_event: Callable[[str], None] | None = None,
    poll: float = 0.05,
) -> tuple[str, bool]:
    """Return ``(value, cached)``: the cached value, or ``create()``'s, made once per key.

    Raises a shared failure while one is remembered for the key, and
    :class:`ProviderUnavailable` when another process holds the key for longer than ``wait``
    seconds. An exception from ``create`` releases the lease and propagates; nothing is cached
    but the failure, for as long as ``share_failure(error)`` says (None: not shared).
    ``on_event`` hears how the call ended: ``"hit"`` (there at once), ``"wait"`` (made by
    another caller meanwhile) or ``"miss"`` (made by this one).
    """
    tell = on_event or _silent
    value = backend.get(key)
    if value is not None:
        tell("hit")
        return value, True
    _raise_shared_failure(backend, key)
    deadline = time.monotonic() + wait
    asked_at = time.time()
    owner = uuid.uuid4().hex
    key_lock = _local_lock(key)
    if not key_lock.lock.acquire(timeout=max(0.0, wait)):
        raise ProviderUnavailable("timed out waiting for the same image to be generated")
    try:
        delay, rounds = poll, 0
        while True:
            value = backend.get(key)
            if value is not None:
                tell("wait")
                return value, True
            _raise_shared_failure(backend, key)
            handed = _handoff(backend, key, asked_at)
            if handed is not None:
                tell("wait")
                return handed, True
            if find is not None and rounds % 4 == 1:
                found = find()
                if found is not None:
                    _best_effort("cache a found image", backend.set, key, found, ttl)
                    tell("wait")
                    return found, True
            rounds += 1
            held = _acquire_all([backend, *claims], key, owner, lease)
            if held:
                try:
                    value, cached = _create_holding(
                        backend, held, key, owner, create, ttl, lease, share_failure
                    )
                    tell("wait" if cached else "miss")
                    return value, cached
                finally:
                    for store in held:
                        _best_effort("release a lease", store.release, key, owner)
            if time.monotonic() >= deadline:
                raise ProviderUnavailable(
                    "timed out waiting for another process generating the same image"
                )
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.5)
    finally:
        key_lock.lock.release()


def _create_holding(
    backend: CacheBackend,
    held: Sequence[CacheBackend],
    key: str,
    owner: str,
    create: Callable[[], str | NotCached],
    ttl: timedelta,
    lease: timedelta,
    share_failure: Callable[[CosmicImagesError], float | None],
) -> tuple[str, bool]:
    value = backend.get(key)
    if value is not None:
        return value, True
    _raise_shared_failure(backend, key)
    with _Heartbeat(held, key, owner, lease):
        try:
            made = create()
        except CosmicImagesError as error:
            seconds = shared_seconds(share_failure(error))
            if seconds:
                remembered = encode_failure(error, seconds)
                _best_effort(
                    "share a failure",
                    backend.set,
                    key + FAILURE_SUFFIX,
                    remembered,
                    timedelta(seconds=seconds),
                )
            raise
    if isinstance(made, NotCached):
        handoff = json.dumps({"value": made.value, "at": time.time()})
        _best_effort(
            "hand a stand-in to the waiters",
            backend.set,
            key + HANDOFF_SUFFIX,
            handoff,
            timedelta(seconds=HANDOFF_SECONDS),
        )
        return made.value, False
    _best_effort("cache a new image", backend.set, key, made, ttl)
    return made, False
