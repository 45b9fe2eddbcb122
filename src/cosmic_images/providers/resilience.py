"""Wrappers that make any provider resilient, composed rather than subclassed:

``FallbackProvider(RetryingProvider(CircuitBreakerProvider(DeadlineProvider(provider))),
procedural)``

- :class:`DeadlineProvider` ends a call at its deadline, whatever the call is doing
  (connecting, sending, waiting, reading a trickle): the caller gets a
  :class:`ProviderUnavailable` marked possibly billed, and the abandoned call finishes or
  times out in the background.

- :class:`RetryingProvider` retries only :class:`ProviderUnavailable` errors marked
  ``retryable`` (429, 5xx, connections that never reached the server), with exponential
  backoff and jitter, honouring ``Retry-After``, bounded in count and in total time. A call
  that timed out after it was sent is not retryable: it may have been billed.
- :class:`CircuitBreakerProvider` opens after N consecutive failures, fails fast while open,
  and after a cool-down lets one probe through; its success closes it. One instance is shared
  by all the threads of a process.
- :class:`FallbackProvider` answers with another provider (the procedural one) when the
  primary is unavailable; the image is marked ``fallback`` and costs nothing, and the
  primary's failed attempt travels with it (``GeneratedImage.attempts``) for the ledger.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from .. import _defaults as defaults
from ..errors import CosmicImagesError, ProviderUnavailable, RateLimited
from ..ledger.entries import failed_attempt
from ..prompts.spec import PromptSpec
from .base import GeneratedImage, ImageProvider, ProviderProxy

if TYPE_CHECKING:
    from ..policy.ratelimit import RateLimiter

__all__ = [
    "CircuitBreakerProvider",
    "CircuitOpen",
    "DeadlineProvider",
    "FallbackProvider",
    "RateLimitedProvider",
    "RetryingProvider",
    "resilient",
]


class CircuitOpen(ProviderUnavailable):
    """The circuit breaker is open: the provider is not called until the cool-down ends.

    No request was made, so the ledger records nothing for it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False, request_made=False)


class DeadlineProvider(ProviderProxy):
    """A real deadline per call: ``inner.generate`` runs in a thread of its own and the caller
    waits at most ``deadline(spec)`` seconds (the inner provider's own, or ``default``)."""

    def __init__(self, inner: ImageProvider, *, default: float | None = None) -> None:
        super().__init__(inner)
        self.default = default

    def deadline(self, spec: PromptSpec) -> float:
        return self.default or super().deadline(spec)

    @property
    def max_deadline(self) -> float:
        return self.default or super().max_deadline

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        limit = self.deadline(spec)
        done = threading.Event()
        outcome: list[GeneratedImage | BaseException] = []

        def call() -> None:
            try:
                outcome.append(self.inner.generate(spec, end_user=end_user))
            except BaseException as exc:  # handed to the caller below
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=call, name=f"{self.inner.name}-call", daemon=True).start()
        if not done.wait(limit):
            # Shared with everyone asking for the same picture for another ``limit`` seconds
            # (retry_after), by when the abandoned call has ended too: one call in flight.
            raise ProviderUnavailable(
                f"the {self.inner.name} provider gave no answer within its {limit:g} s deadline; "
                "the request was sent and may have been billed, so it is not retried",
                possibly_billed=True,
                retry_after=limit,
            )
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result


class RateLimitedProvider(ProviderProxy):
    """Calls start at least ``60 / per_minute`` seconds apart across every process sharing
    ``limiter`` (OpenAI's images-per-minute limit). A caller waits for its turn, up to
    ``max_wait``; past that it gets :class:`RateLimited` with when to come back."""

    def __init__(
        self,
        inner: ImageProvider,
        limiter: RateLimiter,
        *,
        per_minute: float,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not per_minute > 0:
            raise ValueError("per_minute must be positive")
        super().__init__(inner)
        self.limiter = limiter
        self.interval = timedelta(seconds=60.0 / per_minute)
        self.max_wait = timedelta(seconds=max_wait)
        self._sleep = sleep
        self._clock = clock

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        start = self.limiter.take(f"provider:{self.inner.name}", self.interval, self.max_wait)
        if start is None:
            raise RateLimited(
                f"the {self.inner.name} provider's calls per minute are taken for the next "
                f"{self.max_wait.total_seconds():.0f} s; try again shortly",
                retry_after=self.max_wait.total_seconds(),
            )
        wait = start - self._clock()  # until the moment, by the wall clock the stores share
        if wait > 0:
            self._sleep(wait)
        return self.inner.generate(spec, end_user=end_user)

    def close(self) -> None:
        self.limiter.close()
        super().close()


class RetryingProvider(ProviderProxy):
    def __init__(
        self,
        inner: ImageProvider,
        *,
        max_retries: int = defaults.MAX_RETRIES,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        max_total: float = defaults.RETRY_BUDGET,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(inner)
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_total = max_total
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter

    def delay(self, attempt: int, error: ProviderUnavailable) -> float:
        """Retry-After when the server gave one, else exponential backoff with equal jitter."""
        if error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.max_delay, self.base_delay * 2.0**attempt)
        return float(ceiling / 2 + ceiling / 2 * self._jitter())

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        started = self._clock()
        attempt = 0
        while True:
            try:
                return self.inner.generate(spec, end_user=end_user)
            except ProviderUnavailable as error:
                if not error.retryable:
                    raise
                wait = self.delay(attempt, error)
                spent = self._clock() - started
                if attempt >= self.max_retries or spent + wait > self.max_total:
                    raise ProviderUnavailable(
                        f"gave up after {attempt + 1} attempts in {spent:.1f} s: {error.message}",
                        retryable=True,
                        retry_after=error.retry_after,  # the server's own word still holds
                        billed_cost=error.billed_cost,
                        possibly_billed=error.possibly_billed,
                    ) from error
                self._sleep(wait)
                attempt += 1


class CircuitBreakerProvider(ProviderProxy):
    def __init__(
        self,
        inner: ImageProvider,
        *,
        failure_threshold: int = defaults.BREAKER_THRESHOLD,
        cool_down: float = defaults.BREAKER_COOL_DOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cool_down <= 0:
            raise ValueError("failure_threshold must be >= 1 and cool_down > 0")
        super().__init__(inner)
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self.cool_down:
                return "half_open"
            return "open"

    def _admit(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if waited < self.cool_down:
                raise CircuitOpen(
                    f"the {self.inner.name} provider is failing; not calling it for another "
                    f"{self.cool_down - waited:.0f} s (circuit open)"
                )
            if self._probing:
                raise CircuitOpen(f"the {self.inner.name} provider is being probed; try again")
            self._probing = True

    def _record(self, *, failed: bool) -> None:
        with self._lock:
            probing, self._probing = self._probing, False
            if not failed:
                self._failures, self._opened_at = 0, None
                return
            self._failures += 1
            if probing or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        self._admit()
        try:
            image = self.inner.generate(spec, end_user=end_user)
        except ProviderUnavailable:
            self._record(failed=True)
            raise
        except CosmicImagesError:
            self._record(failed=False)  # it answered (a rejection, a bad key): it is up
            raise
        except BaseException:
            self._record(failed=True)
            raise
        self._record(failed=False)
        return image


class FallbackProvider(ProviderProxy):
    def __init__(self, primary: ImageProvider, fallback: ImageProvider) -> None:
        super().__init__(primary)
        self.primary = primary
        self.fallback = fallback

    def close(self) -> None:
        for provider in (self.primary, self.fallback):
            close = getattr(provider, "close", None)
            if callable(close):
                close()

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        try:
            return self.primary.generate(spec, end_user=end_user)
        except ProviderUnavailable as error:
            image = self.fallback.generate(spec, end_user=end_user)
            failed = failed_attempt(self.primary.name, self.primary.model, error)
            return dataclasses.replace(
                image,
                fallback=True,
                cost=Decimal("0"),
                attempts=(*image.attempts, *((failed,) if failed else ())),
            )


def resilient(
    provider: ImageProvider,
    *,
    max_retries: int = defaults.MAX_RETRIES,
    retry_budget: float = defaults.RETRY_BUDGET,
    breaker_threshold: int = defaults.BREAKER_THRESHOLD,
    breaker_cool_down: float = defaults.BREAKER_COOL_DOWN,
    deadline: float | None = None,
    rate_limit: Callable[[ImageProvider], ImageProvider] | None = None,
    fallback: ImageProvider | None = None,
) -> ImageProvider:
    """``provider`` under a deadline per call, behind a circuit breaker and retries, then the
    fallback if one is given. ``deadline`` replaces the provider's own deadlines;
    ``rate_limit`` wraps each attempt (a :class:`RateLimitedProvider` factory).

    A provider that declares ``remote = False`` (the procedural one) runs in-process and is
    not wrapped in a deadline, retries or a breaker.
    """
    guarded = provider
    if getattr(provider, "remote", True):
        timed: ImageProvider = DeadlineProvider(provider, default=deadline)
        if rate_limit is not None:
            timed = rate_limit(timed)
        guarded = RetryingProvider(
            CircuitBreakerProvider(
                timed,
                failure_threshold=breaker_threshold,
                cool_down=breaker_cool_down,
            ),
            max_retries=max_retries,
            max_total=retry_budget,
        )
    return FallbackProvider(guarded, fallback) if fallback is not None else guarded
