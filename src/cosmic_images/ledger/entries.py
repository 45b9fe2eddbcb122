"""The ledger's typed records: what a provider call cost, and who it was for.

A provider answer carries its :class:`Attempt` records (a primary that failed before a
fallback answered, then the answer itself); a failed call is one attempt too. The service turns
them into :class:`LedgerEntry` records for the user and category, and the repository writes
them in the same transaction as the image row. Nothing about cost travels in image metadata.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from ..errors import ContentRejected, CosmicImagesError, ProviderUnavailable
from ..storage import models

if TYPE_CHECKING:
    from ..providers.base import GeneratedImage

__all__ = ["Attempt", "LedgerEntry", "Outcome", "answer_attempts", "failed_attempt"]


class Outcome(StrEnum):
    GENERATED = "generated"  # an image we kept
    FALLBACK = "fallback"  # a stand-in image from the fallback provider (costs nothing)
    FAILED = "failed"  # the call failed; ``cost`` is what it certainly cost anyway
    REJECTED = "rejected"  # the content policy refused the prompt
    LOST = "lost"  # an image was paid for but could not be stored

    @property
    def has_image(self) -> bool:
        return self in (Outcome.GENERATED, Outcome.FALLBACK)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One call to a provider: what it used, how it ended, what it cost.

    ``cost_known`` is False for a token-priced answer that reported no usage: its image is
    kept and its cost is marked unknown, never recorded as a silent $0.
    """

    provider: str
    model: str
    outcome: Outcome
    cost: Decimal = Decimal("0")
    quality: str | None = None
    size: str | None = None
    possibly_billed: bool = False
    usage: Mapping[str, int] | None = None
    error: str | None = None
    cost_known: bool = True

    def lost(self) -> Attempt:
        """This attempt's image was paid for and could not be kept."""
        if not self.outcome.has_image:
            return self
        return dataclasses.replace(self, outcome=Outcome.LOST, error="not stored")


def failed_attempt(provider: str, model: str, error: CosmicImagesError) -> Attempt | None:
    """The attempt a failed call leaves, or None when no request was made (an open circuit)."""
    unavailable = error if isinstance(error, ProviderUnavailable) else None
    if unavailable is not None and not unavailable.request_made:
        return None
    return Attempt(
        provider=provider,
        model=model,
        outcome=Outcome.REJECTED if isinstance(error, ContentRejected) else Outcome.FAILED,
        cost=unavailable.billed_cost if unavailable else Decimal("0"),
        possibly_billed=unavailable.possibly_billed if unavailable else False,
        error=f"{error.code}: {error.message}",
    )


def answer_attempts(image: GeneratedImage) -> tuple[Attempt, ...]:
    """Every attempt behind an answer: those that failed first, then the answer itself."""
    answer = Attempt(
        provider=image.provider,
        model=image.model,
        outcome=Outcome.FALLBACK if image.fallback else Outcome.GENERATED,
        cost=image.cost,
        quality=image.quality,
        size=image.size or f"{image.width}x{image.height}",
        usage=image.usage,
        cost_known=image.cost_known,
        error=None if image.cost_known else "cost unknown: the provider reported no usage",
    )
    return (*image.attempts, answer)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    """An attempt recorded against a user and a category."""

    user_id: str
    category: str
    attempt: Attempt

    def to_row(self, now: dt.datetime, image_id: uuid.UUID | None) -> models.LedgerEntry:
        a = self.attempt
        return models.LedgerEntry(
            recorded_at=now,
            user_id=self.user_id,
            category=self.category,
            provider=a.provider,
            model=a.model,
            quality=a.quality,
            size=a.size,
            outcome=a.outcome.value,
            cost=a.cost,
            possibly_billed=a.possibly_billed,
            image_id=image_id if a.outcome.has_image else None,
            usage=dict(a.usage) if a.usage is not None else None,
            error=a.error,
        )
