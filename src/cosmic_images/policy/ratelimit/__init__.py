"""A provider-call rate limit held across processes and hosts: calls start at least
``60 / per_minute`` seconds apart, whoever makes them.

A limiter hands out start times: :meth:`RateLimiter.take` reserves the next free one and
returns it, atomically in the shared store (the SQL database in one transaction,
or one Redis script on the server's clock), or reserves nothing when the wait would be longer
than the caller will wait. Chosen by the quota store's URL: ``sql`` or ``redis://``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..._registry import Registry, StoreContext

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["RateLimiter", "RateLimiterFactory", "rate_limiter_from_url", "register_rate_limiter"]


@runtime_checkable
class RateLimiter(Protocol):
    def take(self, name: str, interval: timedelta, max_wait: timedelta) -> float | None:
        """Reserve the next start of ``name`` (starts ``interval`` apart) and return it, as
        seconds since the epoch by the store's clock (the database's or Redis's, which every
        host shares); None, reserving nothing, when it is more than ``max_wait`` away. The
        caller waits until then: waiting until a moment, not for a span, keeps the spacing
        exact whatever the commit and the scheduler cost."""
        ...

    def hit(self, key: str, limit: int, window: timedelta) -> float | None:
        """Count one request of ``key`` in its window (``limit`` in ``window`` from the
        window's first request, by the store's clock): None when it is granted, else the
        seconds until the window frees (nothing counted). Atomic across processes."""
        ...

    def close(self) -> None: ...


RateLimiterFactory = Callable[[str, StoreContext], RateLimiter]

_registry: Registry[RateLimiterFactory] = Registry("rate limit scheme", "COSMIC_IMAGES_QUOTA_URL")
_registry.register("sql", "cosmic_images.policy.ratelimit.sql:from_url")
_registry.register("redis", "cosmic_images.policy.ratelimit.redis:from_url", extra="redis")
_registry.register("rediss", "cosmic_images.policy.ratelimit.redis:from_url", extra="redis")


def register_rate_limiter(scheme: str, factory: RateLimiterFactory | str) -> None:
    _registry.register(scheme, factory)


def rate_limiter_from_url(
    url: str, context: StoreContext | None = None, *, engine: Engine | None = None
) -> RateLimiter:
    context = context or StoreContext(engine=engine)
    return _registry.from_url(url)(url, context)
