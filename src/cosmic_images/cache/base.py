"""The cache protocol: keys to image ids with a TTL, plus a lease for single flight."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable

__all__ = ["CacheBackend"]


@runtime_checkable
class CacheBackend(Protocol):
    """A shared map of cache key to image id, with expiring leases.

    ``acquire`` must be atomic in the store: of any number of callers across processes, one
    gets the lease for a key until it releases it or ``lease`` runs out (then a new caller may
    take it over). Values are image ids; the image itself lives in the database.
    """

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: timedelta) -> None: ...

    def delete(self, key: str) -> None: ...

    def acquire(self, key: str, owner: str, lease: timedelta) -> bool: ...

    def release(self, key: str, owner: str) -> None: ...

    def purge_expired(self) -> int:
        """Drop expired entries and leases; return how many entries went."""
        ...

    def close(self) -> None: ...
