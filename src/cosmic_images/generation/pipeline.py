"""What a request becomes, and how it is served.

``generate`` reads top to bottom as the request's path: the category and its request model,
the category's own rule for a premium request, the tier's entitlement, the shared variant for
a tier that may only view cached images, the prompt, the cache key, then either the shared
image already made or get-or-create under single flight (one :class:`ImageMaker` call per key,
whoever asks, in whichever process).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..budget import Budget, BudgetAction
from ..cache import CacheBackend, NotCached, get_or_create
from ..edits import parse_edit
from ..errors import (
    BudgetExceeded,
    ConfigurationError,
    ContentRejected,
    CosmicImagesError,
    InvalidRequest,
    ProviderUnavailable,
)
from ..images import Images
from ..policy import Access, Policy, check_generation, not_entitled, require_feature
from ..prompts import BuildContext, DayProfile, PromptRegistry, PromptSpec, Visual
from ..providers import ImageProvider
from ..providers.base import edits_of
from ..schemas import GenerationResult, RequestModel, User, parse_request
from ..storage import ImageRecord
from ..zodiac import Quality, Sign
from .keys import cache_key
from .work import ImageMaker

__all__ = ["Pipeline"]

log = logging.getLogger("cosmic_images.generation")

RequestInput = RequestModel | Mapping[str, Any]

# How long a provider failure without a Retry-After is shared: long enough for every waiter
# of the failed holder to see it (they poll at most every half second), short enough that the
# next real request soon tries again.
SHARED_FAILURE_SECONDS = 5.0

# Who the system's own work (the nightly batch) runs as: charged to no week, in no gallery.
SYSTEM = User(id="system", tier="system", is_admin=True)


def _aspect(width: int, height: int) -> str:
    if height > width * 1.2:
        return "portrait"
    if width > height * 1.2:
        return "landscape"
    return "square"


@dataclass(frozen=True, slots=True)
class Choice:
    """How a miss is made: by another provider (a cheaper model, the stand-in's), marked as a
    stand-in (served once, not cached)."""

    provider: ImageProvider | None = None
    stand_in: bool = False


class Pipeline:
    """Requests to results. Thread-safe; shared by a process."""

    def __init__(
        self,
        *,
        prompts: PromptRegistry,
        policy: Policy,
        cache: CacheBackend,
        images: Images,
        maker: ImageMaker,
        timezone: ZoneInfo,
        day_profile: Callable[[Sign, dt.date], DayProfile],
        cache_ttl: timedelta,
        lease: timedelta,
        wait: timedelta,
        clock: Callable[[], dt.datetime],
        claims: Sequence[CacheBackend] = (),
        rejection_ttl: timedelta = timedelta(minutes=10),
        budget: Budget | None = None,
        budget_provider: ImageProvider | None = None,
        stand_in_provider: ImageProvider | None = None,
    ) -> None:
        self.prompts = prompts
        self.policy = policy
        self.cache = cache
        self.images = images
        self.maker = maker
        self.timezone = timezone
        self.day_profile = day_profile
        self.cache_ttl = cache_ttl
        # The single-flight lease, renewed while its holder works; a crashed holder's key frees
        # after one lease. Waiters give up after ``wait`` (the slowest generation there is).
        self.lease = lease
        self.wait = wait
        self.claims = tuple(claims)
        self.rejection_ttl = rejection_ttl
        self.budget = budget
        # Past a cap: the cheaper model that degrade uses (if any), the stand-in of fallback.
        self.budget_provider = budget_provider
        self.stand_in_provider = stand_in_provider
        self._clock = clock

    def clock(self) -> dt.datetime:
        return self._clock()

    def today(self) -> dt.date:
        """The business day now, in the business timezone."""
        return self._clock().astimezone(self.timezone).date()

    def key(self, spec: PromptSpec) -> str:
        """Which picture ``spec`` is (the category, the request, the model, the quality)."""
        if not isinstance(spec, PromptSpec):
            raise InvalidRequest("spec: must be a PromptSpec", field="spec")
        return cache_key(spec, self.maker.provider.model)

    def generate(self, user: User, category: str, request: RequestInput) -> GenerationResult:
        definition = self.prompts.get(str(category))
        parsed = parse_request(definition.request_model, request)
        custom = definition.is_custom(parsed)
        access = check_generation(self.policy, user.tier, definition.name, custom=custom)
        rules = self.policy.tier(user.tier)
        if access is Access.VIEW_CACHED and definition.shared_variant is not None:
            parsed = definition.shared_variant(parsed)
        spec = definition.builder(parsed, self._context(rules.quality))
        key = self.key(spec)
        if access is Access.VIEW_CACHED:
            record, cached = self._shared(user, spec, key), True
            self._count(spec.category, user.tier, "hit")
        else:
            record, cached = self._get_or_create(user, *self._within_budget(spec, key))
        return self.images.deliver(user, record, cached=cached, cards=rules.cards)

    def edit(self, user: User, image_id: str, instruction: object) -> GenerationResult:
        """A new image: ``image_id`` changed as ``instruction`` says (edits.py), for a reader
        of it whose tier has edits; cached by the original and the edit, charged like any
        generation, linked to its original (``parentId``)."""
        change = parse_edit(instruction)
        if not user.is_admin:
            require_feature(self.policy, user.tier, "edits", "edit images")
        parent = self.images.get(user, image_id)
        if not edits_of(self.maker.provider):
            raise ConfigurationError(
                f"the {self.maker.provider.name} provider's model {self.maker.provider.model} "
                "cannot edit images: edits need a GPT image model (COSMIC_IMAGES_OPENAI_MODEL)"
            )
        rules = self.policy.tier(user.tier)
        spec = PromptSpec(
            category="edit",
            prompt=f"{parent.prompt}\n\nEdit this image: {change.prompt}. Keep its composition.",
            quality=rules.quality,
            visual=Visual(motif="edit", palettes=(("#000000", "#000000", "#000000"),)),
            description=f"{parent.description} ({change.key})",
            identity={"parent": parent.id, "edit": change.key},
            aspect=_aspect(parent.width, parent.height),
            metadata={"parentId": parent.id, "edit": change.key},
            source=self.images.blobs.get(parent.blob_key),
        )
        record, cached = self._get_or_create(user, *self._within_budget(spec, self.key(spec)))
        return self.images.deliver(user, record, cached=cached, cards=rules.cards)

    def generate_shared(
        self,
        category: str,
        request: RequestInput,
        *,
        day_profile: Callable[[Sign, dt.date], DayProfile] | None = None,
    ) -> tuple[ImageRecord, bool]:
        """The system's own request (the nightly batch): the category's shared variant at
        standard quality, through the same cache and single flight as users' requests (a user
        asking meanwhile joins it), charged to nobody's week and delivered to nobody."""
        definition = self.prompts.get(str(category))
        parsed = parse_request(definition.request_model, request)
        if definition.shared_variant is not None:
            parsed = definition.shared_variant(parsed)
        spec = definition.builder(parsed, self._context(Quality.STANDARD, day_profile))
        return self._get_or_create(SYSTEM, *self._within_budget(spec, self.key(spec)), charge=False)

    def _context(
        self,
        quality: Quality,
        day_profile: Callable[[Sign, dt.date], DayProfile] | None = None,
    ) -> BuildContext:
        return BuildContext(
            today=self.today(),
            quality=quality,
            day_profile=day_profile or self.day_profile,
            timezone=self.timezone.key,
        )

    def _shared(self, user: User, spec: PromptSpec, key: str) -> ImageRecord:
        """The picture already made for everyone; a tier that cannot generate sees no other."""
        image_id = self.cache.get(key)
        record = self.images.find(image_id) if image_id else None
        if record is None:
            day = spec.identity.get("date")
            when = "today's" if day in (None, self.today().isoformat()) else f"{day}'s"
            raise not_entitled(
                self.policy,
                user.tier,
                spec.category,
                reason=f"{when} shared {spec.category} image is not ready yet",
            )
        return record

    def _within_budget(self, spec: PromptSpec, key: str) -> tuple[PromptSpec, str, Choice]:
        """The picture to make for ``spec``, given the budget (budget.py): as asked while no
        cap is reached, or whenever it is cached; past a cap, BudgetExceeded, or a cheaper
        picture under its own key (degrade), or a stand-in (fallback)."""
        budget = self.budget
        if budget is None or not budget.capped or self.cache.get(key) is not None:
            return spec, key, Choice()
        since = self._clock() - self.cache_ttl
        if self.images.repository.image_for_key(key, since=since) is not None:
            return spec, key, Choice()  # kept by the database (the cache lost it): served free
        try:
            budget.check()
        except BudgetExceeded:
            if budget.action is BudgetAction.REFUSE:
                raise
            if budget.action is BudgetAction.FALLBACK:
                return spec, key, Choice(provider=self.stand_in_provider, stand_in=True)
            cheaper = dataclasses.replace(spec, quality=Quality.STANDARD)
            provider = self.budget_provider or self.maker.provider
            return cheaper, cache_key(cheaper, provider.model), Choice(provider=provider)
        return spec, key, Choice()

    def _get_or_create(
        self,
        user: User,
        spec: PromptSpec,
        key: str,
        choice: Choice | None = None,
        *,
        charge: bool = True,
    ) -> tuple[ImageRecord, bool]:
        created: list[tuple[ImageRecord, bool]] = []
        choice = choice or Choice()

        def create() -> str | NotCached:
            record, cached = self._kept(user, key, charge=charge) or (
                self._make(user, spec, key, choice, charge=charge),
                False,
            )
            created.append((record, cached))
            # A fallback picture is served once but not cached: the next asker retries the
            # real provider instead of getting the stand-in for a whole TTL.
            return NotCached(record.id) if record.fallback else record.id

        def find() -> str | None:
            kept = self._kept(user, key, charge=charge)
            if kept is None:
                return None
            created.append(kept)
            return kept[0].id

        for _attempt in range(2):
            image_id, cached = get_or_create(
                self.cache,
                key,
                create,
                ttl=self.cache_ttl,
                lease=self.lease,
                wait=self.wait.total_seconds(),
                share_failure=self._share_failure,
                claims=self.claims,
                find=find,
                on_event=lambda event: self._count(spec.category, user.tier, event),
            )
            if created:
                return created[0]
            record = self.images.find(image_id)
            if record is not None:
                return record, cached
            self.cache.delete(key)  # the entry outlived its image: generate again
        raise ProviderUnavailable("the cached image vanished while it was being read")

    def _make(
        self, user: User, spec: PromptSpec, key: str, choice: Choice, *, charge: bool
    ) -> ImageRecord:
        """A new image; then the budget's alerts for what it cost (best effort)."""
        try:
            return self.maker.make(
                user, spec, key, charge=charge, provider=choice.provider, stand_in=choice.stand_in
            )
        finally:
            if self.budget is not None:
                try:
                    self.budget.observe()
                except CosmicImagesError as exc:
                    log.warning("budget alerts: could not check: %s", exc.message)

    def _count(self, category: str, tier: str, event: str) -> None:
        """One more hit, miss or wait in today's statistics; best effort. The system's own
        work (the batch) is no request and is not counted."""
        if tier == SYSTEM.tier:
            return
        try:
            self.cache.count(self.today(), category, tier, event)
        except CosmicImagesError as exc:
            log.warning("cache statistics: could not count a %s: %s", event, exc.message)

    def _kept(self, user: User, key: str, *, charge: bool) -> tuple[ImageRecord, bool] | None:
        """An image the database kept for this key when the cache lost it (a cache that went
        away after the image was stored, a spooled image written since): served instead of
        paying again, and charged to its creator's week once, if it was theirs."""
        self.maker.replay_spool()
        record = self.images.repository.image_for_key(key, since=self._clock() - self.cache_ttl)
        if record is None:
            return None
        mine = record.user_id == user.id
        if mine and charge:
            self.maker.limits.charge(user, record.id)
        return record, not mine

    def _share_failure(self, error: CosmicImagesError) -> float | None:
        """How long everyone asking for the same picture gets this failure instead of a call:
        a rejection for a while, a provider failure for its own Retry-After or backoff."""
        if isinstance(error, ContentRejected):
            return self.rejection_ttl.total_seconds()
        if isinstance(error, ProviderUnavailable):
            return error.retry_after or SHARED_FAILURE_SECONDS
        if isinstance(error, ConfigurationError):  # the provider refused us (a 403, a bad key)
            return SHARED_FAILURE_SECONDS
        return None  # a user's own refusal (quota, tier) is not everyone's
