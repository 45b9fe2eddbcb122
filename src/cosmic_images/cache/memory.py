"""An in-process cache: bounded (least recently used entries go first) and expiring."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from .. import _defaults as defaults
from .._registry import StoreContext
from ..errors import ConfigurationError
from . import StatRow

__all__ = ["MemoryCache", "from_url"]


def from_url(url: str, _context: StoreContext) -> MemoryCache:
    """``memory://?max_entries=N`` (default 10,000)."""
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        return MemoryCache(int(query.get("max_entries", defaults.MEMORY_CACHE_ENTRIES)))
    except ValueError as exc:
        raise ConfigurationError(f"COSMIC_IMAGES_CACHE_URL {url!r}: {exc}") from exc


class MemoryCache:
    """``memory://?max_entries=N``. Shared by the threads of one process, not across processes."""

    def __init__(
        self,
        max_entries: int = defaults.MEMORY_CACHE_ENTRIES,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._leases: dict[str, tuple[str, float]] = {}
        self._counts: dict[tuple[dt.date, str, str], dict[str, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            if item[1] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return item[0]

    def set(self, key: str, value: str, ttl: timedelta) -> None:
        with self._lock:
            self._entries[key] = (value, self._clock() + ttl.total_seconds())
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def acquire(self, key: str, owner: str, lease: timedelta) -> bool:
        with self._lock:
            now = self._clock()
            held = self._leases.get(key)
            if held is not None and held[1] > now and held[0] != owner:
                return False
            self._leases[key] = (owner, now + lease.total_seconds())
            return True

    def renew(self, key: str, owner: str, lease: timedelta) -> bool:
        with self._lock:
            held = self._leases.get(key)
            if held is None or held[0] != owner:
                return False
            self._leases[key] = (owner, self._clock() + lease.total_seconds())
            return True

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            held = self._leases.get(key)
            if held is not None and held[0] == owner:
                del self._leases[key]

    def purge_expired(self) -> int:
        with self._lock:
            now = self._clock()
            dead = [k for k, (_, exp) in self._entries.items() if exp <= now]
            for k in dead:
                del self._entries[k]
            for k in [k for k, (_, exp) in self._leases.items() if exp <= now]:
                del self._leases[k]
            return len(dead)

    def count(self, day: dt.date, category: str, tier: str, event: str) -> None:
        with self._lock:
            row = self._counts.setdefault((day, category, tier), {})
            row[event] = row.get(event, 0) + 1

    def counts(self, first: dt.date, last: dt.date) -> list[StatRow]:
        with self._lock:
            return [
                StatRow(day, category, tier, c.get("hit", 0), c.get("miss", 0), c.get("wait", 0))
                for (day, category, tier), c in sorted(self._counts.items())
                if first <= day <= last
            ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._leases.clear()
