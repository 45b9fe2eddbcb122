"""One new image, paid for once: the unit of work behind a cache miss.

A weekly slot is reserved first, named by the image to be; the provider is called (its
failures recorded in the ledger, its foreign errors translated); the bytes are stored durably;
the image row and every ledger entry of the answer are written in one transaction; then the
slot is confirmed (or refunded, for a failure or a free fallback image).

Nothing paid is lost: when the database fails after the provider answered, the bytes are kept
and the row, its ledger entries and the slot go to the spool (``ledger/spool.py``), written
when the database is back; when the bytes cannot be stored, the paid image is recorded as
``lost``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable
from typing import Any

from ..errors import (
    BackendUnavailable,
    ConfigurationError,
    CosmicImagesError,
    GenerationDisabled,
    InvalidRequest,
    ProviderUnavailable,
)
from ..ledger import Attempt, LedgerEntry, answer_attempts, failed_attempt
from ..ledger.spool import Spool
from ..prompts import PromptSpec
from ..providers import GeneratedImage, ImageProvider
from ..schemas import User
from ..storage import BlobStore, ImageRecord, NewImage, Repository
from ..usage import Reservation, WeeklyLimits

__all__ = ["ImageMaker"]

log = logging.getLogger("cosmic_images.generation")

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_NAME = 50


class ImageMaker:
    """Makes, stores and records new images. Thread-safe; shared by a process."""

    def __init__(
        self,
        *,
        provider: ImageProvider,
        blobs: BlobStore,
        repository: Repository,
        limits: WeeklyLimits,
        spool: Spool,
        clock: Callable[[], dt.datetime],
        generation_enabled: bool = True,
        user_hash_salt: bytes | None = None,
    ) -> None:
        for what, name in (("name", provider.name), ("model", provider.model)):
            if not 0 < len(name) <= MAX_NAME:  # the ledger's and the image row's columns
                raise ConfigurationError(
                    f"the provider's {what} {name!r} must be 1 to {MAX_NAME} characters"
                )
        self.provider = provider
        self.blobs = blobs
        self.repository = repository
        self.limits = limits
        self.spool = spool
        self.generation_enabled = generation_enabled
        self.user_hash_salt = user_hash_salt
        self._clock = clock

    def make(
        self,
        user: User,
        spec: PromptSpec,
        key: str,
        *,
        charge: bool = True,
        provider: ImageProvider | None = None,
        stand_in: bool = False,
    ) -> ImageRecord:
        """A new image for ``spec``, charged to one of the user's weekly slots (unless
        ``charge`` is False: the system's own work, such as the nightly batch). ``provider``
        replaces the configured one (a cheaper model past a budget); ``stand_in`` marks the
        answer as a fallback picture (served once, not cached, no slot used)."""
        if not self.generation_enabled:
            raise GenerationDisabled(
                "image generation is switched off (ENABLE_IMAGE_GENERATION=false); "
                "only cached images are served"
            )
        image_id = str(uuid.uuid4())
        reservation = self.limits.reserve(user, image_id) if charge else None
        try:
            image = self._call(user, spec, provider or self.provider)
            if stand_in:
                image = dataclasses.replace(image, fallback=True)
            record = self._store(user, spec, key, image, image_id, reservation)
        except BaseException:
            self.limits.settle(reservation, used=False)
            raise
        self.limits.settle(reservation, used=not record.fallback)
        return record

    def replay_spool(self) -> int:
        """Write what a database outage left in the spool; best effort (it may still be down)."""
        if not self.spool.pending():
            return 0
        return self.spool.replay(self.repository, self._charge)

    def _charge(self, user_id: str, reservation_id: str) -> None:
        if self.limits.quota is not None:
            self.limits.quota.confirm(user_id, reservation_id)

    def end_user(self, user_id: str) -> str:
        """The opaque id sent to providers: a keyed hash of the user id, never the id."""
        if not isinstance(user_id, str):
            raise InvalidRequest("userId: must be a string", field="userId")
        if self.user_hash_salt:
            digest = hmac.new(self.user_hash_salt, user_id.encode(), hashlib.sha256).hexdigest()
        else:
            digest = hashlib.sha256(f"cosmic-images:{user_id}".encode()).hexdigest()
        return digest[:32]

    def _call(self, user: User, spec: PromptSpec, provider: ImageProvider) -> GeneratedImage:
        """The provider's answer; any failure is ours, and recorded when a request was made."""
        try:
            image = provider.generate(spec, end_user=self.end_user(user.id))
        except InvalidRequest:
            raise  # refused before any call was made
        except CosmicImagesError as exc:
            self._record_failure(user, spec, exc, provider)
            raise
        except Exception as exc:
            error = ProviderUnavailable(
                f"the {provider.name} provider failed: {type(exc).__name__}: {exc}"
            )
            self._record_failure(user, spec, error, provider)
            raise error from exc
        if not isinstance(image, GeneratedImage):
            raise ProviderUnavailable(
                f"the {provider.name} provider returned {type(image).__name__}, "
                "not a GeneratedImage"
            )
        if image.media_type == "image/png" and not image.data.startswith(_PNG_MAGIC):
            raise ProviderUnavailable(f"the {provider.name} provider returned no PNG image")
        return image

    def _record_failure(
        self, user: User, spec: PromptSpec, error: CosmicImagesError, provider: ImageProvider
    ) -> None:
        attempt = failed_attempt(provider.name, provider.model, error)
        if attempt is not None:
            self._record(_entries(user, spec, (attempt,)))

    def _record(self, entries: tuple[LedgerEntry, ...]) -> None:
        """Ledger entries of calls that left no image; spooled when the database is down."""
        now = self._clock()
        try:
            self.repository.record_entries(entries, now=now)
        except BackendUnavailable as exc:
            if not exc.transient:  # the database refuses these rows; it will again
                log.error("ledger entries the database refuses, not recorded: %s", exc.message)
                raise
            self.spool.save(entries=entries, now=now)

    def _store(
        self,
        user: User,
        spec: PromptSpec,
        key: str,
        image: GeneratedImage,
        image_id: str,
        reservation: Reservation | None,
    ) -> ImageRecord:
        """Bytes first, durably; then the row and its ledger entries in one transaction."""
        attempts = answer_attempts(image)
        entries = _entries(user, spec, attempts)
        blob_key = f"{image_id[:2]}/{image_id}.png"
        try:
            url = self.blobs.put(blob_key, image.data, image.media_type)
        except BaseException:
            # The image was paid for and could not be kept: the ledger says so.
            self._record(_entries(user, spec, tuple(a.lost() for a in attempts)))
            raise
        new = NewImage(
            id=image_id,
            user_id=user.id,
            category=spec.category,
            prompt=spec.prompt,
            description=spec.description,
            image_url=url,
            blob_key=blob_key,
            content_sha256=hashlib.sha256(image.data).hexdigest(),
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            model=image.model,
            provider=image.provider,
            quality=spec.quality.value,
            cost=image.cost,
            cache_key=key,
            shared=spec.shared,
            fallback=image.fallback,
            metadata=_metadata(spec, image),
        )
        now = self._clock()
        try:
            return self.repository.add_image(new, now=now, entries=entries)
        except BackendUnavailable as exc:
            if not exc.transient:
                self._discard(blob_key, user, spec, attempts)
                raise
            # The database went away after the provider answered: keep the bytes, and spool
            # the row, its ledger entries and the slot; they are written when it is back.
            slot = (reservation.user_id, reservation.id) if reservation else None
            self.spool.save(image=new, entries=entries, reservation=slot, now=now)
            raise BackendUnavailable(
                f"{exc.message}; the image that was paid for is kept and will be recorded "
                "when the database is back",
                backend=exc.backend,
            ) from exc
        except BaseException:
            self._discard(blob_key, user, spec, attempts)
            raise

    def _discard(
        self, blob_key: str, user: User, spec: PromptSpec, attempts: tuple[Attempt, ...]
    ) -> None:
        """An answer that cannot be kept: remove its bytes, record it as paid and lost."""
        try:
            self.blobs.delete(blob_key)
        except CosmicImagesError as cleanup:
            log.warning("could not remove the bytes of an unrecorded image: %s", cleanup)
        with contextlib.suppress(CosmicImagesError):  # logged; the caller's error is the one
            self._record(_entries(user, spec, tuple(a.lost() for a in attempts)))


def _entries(
    user: User, spec: PromptSpec, attempts: tuple[Attempt, ...]
) -> tuple[LedgerEntry, ...]:
    return tuple(LedgerEntry(user_id=user.id, category=spec.category, attempt=a) for a in attempts)


def _metadata(spec: PromptSpec, image: GeneratedImage) -> dict[str, Any]:
    """What the image row keeps about how it was made (never what it cost: that is the ledger)."""
    meta: dict[str, Any] = {"identity": dict(spec.identity), "providerQuality": image.quality}
    if image.revised_prompt:
        meta["revisedPrompt"] = image.revised_prompt
    if image.usage:
        meta["usage"] = dict(image.usage)
    meta.update(spec.metadata)
    meta.update(image.metadata)
    return meta
