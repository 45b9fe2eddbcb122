"""Fair use: how fast a user may call, who is blocked, and how often a limit bit.

- **Request rates** per user and tier (the policy table's ``generations_per_minute`` and
  ``reads_per_minute``): a window of one minute that opens with a user's first request and
  grants that many, counted atomically in the shared store (the database, or Redis: the quota
  store's URL) on the store's clock, so they hold across processes and hosts. Past it:
  :class:`~cosmic_images.errors.RateLimited` with the seconds until the window frees.
  Administrators (the CLI's one-off runs) are exempt.
- **Blocking**: an admin blocks a user with a reason; a blocked user gets ``NotEntitled`` on
  everything but reads of what they already have (gallery, an image, its bytes). Each block
  and unblock is logged with who and why, and the row keeps them.
- **Counts**: every refusal (a rate, the daily cap, the weekly limit, a block) adds one to its
  business day, tier and kind, for the dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ._boundary import sqlalchemy_errors, translating
from .errors import CosmicImagesError, InvalidRequest, NotEntitled, QuotaExceeded, RateLimited
from .policy import Policy
from .policy.ratelimit import RateLimiter
from .schemas import User
from .storage.models import BlockedUser, LimitEvent

__all__ = ["FairUse", "Kind"]

log = logging.getLogger(__name__)
Kind = Literal["generation", "read"]
MINUTE = timedelta(minutes=1)


class FairUse:
    def __init__(
        self,
        *,
        policy: Policy,
        limiter: RateLimiter,
        engine: Engine,
        timezone: ZoneInfo,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.policy = policy
        self.limiter = limiter
        self.engine = engine
        self.timezone = timezone
        self._clock = clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @contextmanager
    def guard(self, user: User, kind: Kind, *, blocked_may: bool = False) -> Iterator[None]:
        """Around one request: the block (unless ``blocked_may``: reads of one's own), the
        rate, and afterwards the count of any limit that refused it."""
        try:
            if not blocked_may:
                self.require_unblocked(user)
            self.check_rate(user, kind)
            yield
        except (RateLimited, QuotaExceeded, NotEntitled) as refused:
            self._count_refusal(user, kind, refused)
            raise

    def check_rate(self, user: User, kind: Kind) -> None:
        if user.is_admin:
            return
        rules = self.policy.tier(user.tier)
        limit = rules.generations_per_minute if kind == "generation" else rules.reads_per_minute
        if limit is None:
            return
        wait = self.limiter.hit(f"{kind}:{user.id}", limit, MINUTE)
        if wait is not None:
            raise RateLimited(
                f"the {user.tier} tier allows {limit} {kind} requests a minute; try again in "
                f"{wait:.0f} s",
                retry_after=wait,
            )

    def require_unblocked(self, user: User) -> None:
        if user.is_admin:
            return
        with translating("database", sqlalchemy_errors), self.engine.connect() as conn:
            reason = conn.execute(
                select(BlockedUser.reason).where(BlockedUser.user_id == user.id)
            ).scalar_one_or_none()
        if reason is not None:
            raise NotEntitled(f"this account is blocked ({reason}); contact support")

    def block(self, admin: User, user_id: object, reason: object) -> None:
        who, why = _user_id(user_id), _reason(reason)
        values = {
            "user_id": who,
            "reason": why,
            "blocked_by": admin.id,
            "blocked_at": self._clock(),
        }
        statement = self._insert(BlockedUser).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[BlockedUser.user_id],
            set_={"reason": why, "blocked_by": admin.id, "blocked_at": values["blocked_at"]},
        )
        with translating("database", sqlalchemy_errors), self.engine.begin() as conn:
            conn.execute(statement)
        log.warning("user %s blocked by %s: %s", who, admin.id, why)

    def unblock(self, admin: User, user_id: object) -> bool:
        who = _user_id(user_id)
        with translating("database", sqlalchemy_errors), self.engine.begin() as conn:
            gone = conn.execute(delete(BlockedUser).where(BlockedUser.user_id == who)).rowcount
        if gone:
            log.warning("user %s unblocked by %s", who, admin.id)
        return bool(gone)

    def counts(self, day: dt.date) -> dict[str, int]:
        """How often each kind of limit refused a request on ``day``, over every tier."""
        with translating("database", sqlalchemy_errors), self.engine.connect() as conn:
            rows = conn.execute(
                select(LimitEvent.kind, LimitEvent.count).where(LimitEvent.day == day)
            ).all()
        totals: dict[str, int] = {}
        for kind, count in rows:
            totals[kind] = totals.get(kind, 0) + int(count)
        return totals

    def _count_refusal(self, user: User, kind: Kind, refused: CosmicImagesError) -> None:
        if isinstance(refused, RateLimited):
            name = f"rate_limited_{kind}"
        elif isinstance(refused, QuotaExceeded):
            name = f"{refused.cap}_cap" if refused.cap == "daily" else "weekly_limit"
        elif "blocked" in refused.message:
            name = "blocked"
        else:
            return  # a tier that may not (not a fair-use limit)
        day = self._clock().astimezone(self.timezone).date()
        statement = self._insert(LimitEvent).values(
            day=day, tier=user.tier[:50], kind=name, count=1
        )
        statement = statement.on_conflict_do_update(
            index_elements=[LimitEvent.day, LimitEvent.tier, LimitEvent.kind],
            set_={"count": LimitEvent.count + 1},
        )
        try:
            with translating("database", sqlalchemy_errors), self.engine.begin() as conn:
                conn.execute(statement)
        except CosmicImagesError as exc:  # counting is best effort: the refusal stands
            log.warning("fair use: could not count a %s: %s", name, exc.message)


def _user_id(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidRequest("userId: must be a string", field="userId")
    try:
        return User(id=value).id  # the same rules as any user id
    except InvalidRequest as exc:
        raise InvalidRequest(f"userId: {exc.message}", field="userId") from exc


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidRequest("reason: say why, in at most 500 characters", field="reason")
    return " ".join(value.split())
