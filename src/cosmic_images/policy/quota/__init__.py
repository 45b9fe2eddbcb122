"""Quota stores: they count and reserve; the rules (who gets how many) live in ``tiers``.

A slot is **reserved** before the provider is called, **confirmed** once the image is stored,
and **refunded** when the generation fails; refunds are idempotent. A reservation left pending
by a crashed process stops counting when its lease ends, and :meth:`QuotaStore.sweep` marks it
expired. Reservation is atomic in the store, never a read-then-write in Python:

- ``sql`` (:mod:`.sql`): one ``INSERT ... SELECT ... WHERE (SELECT count(*) ...) < :limit``
  statement; on PostgreSQL under a per-user transaction advisory lock, on SQLite inside
  ``BEGIN IMMEDIATE``.
- ``redis://`` (:mod:`.redis`): one Lua script, timed by the server's ``TIME``.

A host adds a store with :func:`register_quota_store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..._registry import Registry, StoreContext
from ..windows import Window

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "QuotaCheck",
    "QuotaFactory",
    "QuotaStore",
    "quota_from_url",
    "quota_schemes",
    "register_quota_store",
]


@dataclass(frozen=True, slots=True)
class QuotaCheck:
    granted: bool
    used: int  # slots counted in the window, including this one when granted
    oldest: dt.datetime | None  # the oldest counted slot (for a rolling window's reset)
    # When the first counted slot that is still pending (a generation under way, or one a
    # crashed process left) stops counting unless it is confirmed first.
    pending_until: dt.datetime | None = None


@runtime_checkable
class QuotaStore(Protocol):
    def reserve(
        self, user_id: str, reservation_id: str, *, limit: int, window: Window, lease: timedelta
    ) -> QuotaCheck: ...

    def confirm(self, user_id: str, reservation_id: str) -> None:
        """Count the slot for good. Idempotent, and a slot the store does not have (lost, or
        refunded after a failure that stored its image after all) is counted now: an image
        is charged exactly once."""
        ...

    def refund(self, user_id: str, reservation_id: str) -> bool:
        """Return a pending slot; True the first time, False when already refunded."""
        ...

    def usage(self, user_id: str, window: Window) -> QuotaCheck: ...

    def sweep(self) -> int:
        """Mark reservations whose lease ended as expired; return how many."""
        ...

    def close(self) -> None: ...


QuotaFactory = Callable[[str, StoreContext], QuotaStore]

_registry: Registry[QuotaFactory] = Registry("quota scheme", "COSMIC_IMAGES_QUOTA_URL")
_registry.register("sql", "cosmic_images.policy.quota.sql:from_url")
_registry.register("redis", "cosmic_images.policy.quota.redis:from_url", extra="redis")
_registry.register("rediss", "cosmic_images.policy.quota.redis:from_url", extra="redis")


def register_quota_store(scheme: str, factory: QuotaFactory | str) -> None:
    """Make ``scheme://...`` quota URLs build a store with ``factory(url, context)``."""
    _registry.register(scheme, factory)


def quota_schemes() -> list[str]:
    return _registry.names()


def quota_from_url(
    url: str, context: StoreContext | None = None, *, engine: Engine | None = None
) -> QuotaStore:
    """``sql`` (the application database, from ``context`` or ``engine``) or ``redis://...``."""
    context = context or StoreContext(engine=engine)
    return _registry.from_url(url)(url, context)
