"""CosmicImages: the one place that wires the parts together.

Every other module takes its collaborators as arguments; :meth:`CosmicImages.from_settings`
is where settings become an engine, a blob store, a cache, a provider and a policy. A
generation flows: validate the request -> check the tier -> build the prompt -> cache
get-or-create (single flight) -> on a miss: provider -> blob store -> image row -> the user's
gallery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from .cache import CacheBackend, NotCached, cache_from_url, get_or_create
from .errors import (
    ConfigurationError,
    ContentRejected,
    CosmicImagesError,
    GenerationDisabled,
    InvalidRequest,
    NotEntitled,
    NotFound,
    ProviderUnavailable,
    QuotaExceeded,
)
from .policy import (
    Access,
    Policy,
    QuotaStore,
    Window,
    check_generation,
    current_window,
    load_policy,
    quota_from_url,
)
from .prompts import BuildContext, DayProfile, PromptRegistry, PromptSpec, default_prompt_registry
from .providers import GeneratedImage, ImageProvider, provider_from_name
from .providers.registry import resilient
from .schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    GalleryItem,
    GalleryPage,
    GenerationResult,
    MoonRitualRequest,
    RequestModel,
    UsageStats,
    User,
    parse_request,
)
from .settings import Settings
from .sky import sky_day_profile
from .storage import (
    Attempt,
    BlobStore,
    FileBlobStore,
    ImageRecord,
    NewImage,
    Repository,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from .zodiac import Category, Sign

__all__ = ["CosmicImages"]

RequestInput = RequestModel | Mapping[str, Any]
MAX_GALLERY_PAGE = 100
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require_user(user: object) -> None:
    if not isinstance(user, User):
        raise InvalidRequest("user: must be a cosmic_images.User", field="user")


def _whole(value: object) -> bool:
    """An int that is not a bool: checked at run time, hosts pass query-string values."""
    return isinstance(value, int) and not isinstance(value, bool)


def _prepare_schema(engine: Engine, *, migrate: bool) -> None:
    """Migrate (the embedded SQLite default), or insist the schema is already current."""
    if migrate:
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise ConfigurationError(
            f"the database schema is at {current or 'nothing'}, the package needs {head}: "
            "run `cosmic-images db upgrade` (or apply `cosmic-images db sql`)"
        )


class CosmicImages:
    """Generate, cache, store and list astrology artwork. Thread-safe; one per process."""

    def __init__(
        self,
        *,
        repository: Repository,
        blobs: BlobStore,
        cache: CacheBackend,
        provider: ImageProvider,
        prompts: PromptRegistry | None = None,
        policy: Policy | None = None,
        timezone: ZoneInfo | None = None,
        cache_ttl: timedelta = timedelta(hours=24),
        generation_enabled: bool = True,
        share_url_template: str = "/api/images/share/{image_id}",
        generation_lease: timedelta = timedelta(minutes=2),
        day_profile: Callable[[Sign, dt.date], DayProfile] | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        user_hash_salt: bytes | None = None,
        quota: QuotaStore | None = None,
        quota_lease: timedelta | None = None,
    ) -> None:
        self.repository = repository
        self.blobs = blobs
        self.cache = cache
        self.provider = provider
        self.prompts = prompts or default_prompt_registry()
        self.policy = policy or load_policy()
        self.timezone = timezone or ZoneInfo("America/New_York")
        self.cache_ttl = cache_ttl
        self.generation_enabled = generation_enabled
        self.share_url_template = share_url_template
        self.generation_lease = generation_lease
        # The shared daily images follow the day's real sky unless a host says otherwise.
        self.day_profile = day_profile or sky_day_profile(self.timezone.key)
        self._clock = clock
        self.user_hash_salt = user_hash_salt
        self.quota = quota
        # A pending slot outlives any generation (timeouts, retries, storing) before it expires.
        self.quota_lease = quota_lease or generation_lease * 2

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        provider: ImageProvider | None = None,
        prompts: PromptRegistry | None = None,
        policy: Policy | None = None,
    ) -> CosmicImages:
        """Build the service from settings (the environment when ``settings`` is None)."""
        settings = settings or Settings.load()
        engine = make_engine(settings.effective_database_url)
        try:
            _prepare_schema(engine, migrate=settings.should_auto_migrate)
            if provider is None:
                provider = resilient(
                    provider_from_name(settings.effective_provider, settings), settings
                )
            # The single-flight lease outlasts the slowest generation: every retry within the
            # retry budget, a last attempt running to its timeout, and storing the result.
            lease = timedelta(
                seconds=max(120.0, settings.retry_budget + 2 * settings.request_timeout + 30)
            )
            return cls(
                repository=Repository(engine),
                blobs=FileBlobStore(settings.blob_dir, settings.public_base_url),
                cache=cache_from_url(settings.effective_cache_url, engine=engine),
                provider=provider,
                prompts=prompts,
                policy=policy or load_policy(settings.policy_file),
                timezone=settings.zone,
                cache_ttl=settings.cache_ttl,
                generation_enabled=settings.enable_image_generation,
                share_url_template=settings.share_url_template,
                generation_lease=lease,
                quota=quota_from_url(settings.effective_quota_url, engine=engine),
                user_hash_salt=(
                    settings.user_hash_salt.get_secret_value().encode()
                    if settings.user_hash_salt
                    else None
                ),
            )
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        self.cache.close()
        if self.quota is not None:
            self.quota.close()
        self.repository.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- generation --------------------------------------------------------------------------

    def today(self) -> dt.date:
        """The business day now, in the business timezone."""
        return self._clock().astimezone(self.timezone).date()

    def generate_daily_energy(
        self, user: User, request: DailyEnergyRequest | Mapping[str, Any]
    ) -> GenerationResult:
        return self.generate(user, Category.DAILY_ENERGY, request)

    def generate_avatar(
        self, user: User, request: AvatarRequest | Mapping[str, Any]
    ) -> GenerationResult:
        return self.generate(user, Category.AVATAR, request)

    def generate_compatibility(
        self, user: User, request: CompatibilityRequest | Mapping[str, Any]
    ) -> GenerationResult:
        return self.generate(user, Category.COMPATIBILITY, request)

    def generate_moon_ritual(
        self, user: User, request: MoonRitualRequest | Mapping[str, Any]
    ) -> GenerationResult:
        return self.generate(user, Category.MOON_RITUAL, request)

    def generate(self, user: User, category: str, request: RequestInput) -> GenerationResult:
        """Any registered category; the four named methods call this."""
        _require_user(user)
        definition = self.prompts.get(str(category))
        parsed = parse_request(definition.request_model, request)
        custom = isinstance(parsed, AvatarRequest) and (bool(parsed.traits) or parsed.version > 1)
        access = check_generation(self.policy, user.tier, definition.name, custom=custom)
        rules = self.policy.tier(user.tier)
        context = BuildContext(
            today=self.today(),
            quality=rules.quality,
            day_profile=self.day_profile,
            timezone=self.timezone.key,
        )
        if access is Access.VIEW_CACHED and "personalized" in type(parsed).model_fields:
            parsed = parsed.model_copy(update={"personalized": False})
        spec = definition.builder(parsed, context)
        key = self.cache_key(spec)
        if access is Access.VIEW_CACHED:
            return self._view_cached(user, spec, key, cards=rules.cards)
        record, cached = self._get_or_create(user, spec, key)
        self.repository.deliver(user.id, record.id, cached=cached, now=self._clock())
        return self._result(record, cached=cached, cards=rules.cards)

    def cache_key(self, spec: PromptSpec) -> str:
        """Which picture this is: the category and normalised request, plus the model and
        quality unless it is a shared daily image (keyed by sign and date alone). Never the user.
        """
        payload: dict[str, Any] = {"category": spec.category, "identity": dict(spec.identity)}
        if not spec.shared:
            payload |= {"model": self.provider.model, "quality": spec.quality.value}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _view_cached(
        self, user: User, spec: PromptSpec, key: str, *, cards: bool
    ) -> GenerationResult:
        image_id = self.cache.get(key)
        record = self.repository.get_image(image_id) if image_id else None
        if record is None:
            needed = self.policy.upgrade_for(lambda t: spec.category in t.categories)
            raise NotEntitled(
                f"today's shared {spec.category} image is not ready yet, and the {user.tier} "
                f"tier cannot generate one"
                + (f"; upgrade to {needed} to unlock it" if needed else ""),
                required_tier=needed,
            )
        self.repository.deliver(user.id, record.id, cached=True, now=self._clock())
        return self._result(record, cached=True, cards=cards)

    def _get_or_create(self, user: User, spec: PromptSpec, key: str) -> tuple[ImageRecord, bool]:
        created: list[ImageRecord] = []

        def create() -> str | NotCached:
            record = self._create(user, spec, key)
            created.append(record)
            # A fallback picture is served once but not cached: the next asker retries the
            # real provider instead of getting the stand-in for a whole TTL.
            return NotCached(record.id) if record.fallback else record.id

        for _attempt in range(2):
            image_id, cached = get_or_create(
                self.cache,
                key,
                create,
                ttl=self.cache_ttl,
                lease=self.generation_lease,
                wait=self.generation_lease.total_seconds() + 5,
            )
            if created:
                return created[0], False
            record = self.repository.get_image(image_id)
            if record is not None:
                return record, cached
            self.cache.delete(key)  # the entry outlived its image: generate again
        raise ProviderUnavailable("the cached image vanished while it was being read")

    def end_user(self, user_id: str) -> str:
        """The opaque id sent to providers: a keyed hash of the user id, never the id."""
        if self.user_hash_salt:
            digest = hmac.new(self.user_hash_salt, user_id.encode(), hashlib.sha256).hexdigest()
        else:
            digest = hashlib.sha256(f"cosmic-images:{user_id}".encode()).hexdigest()
        return digest[:32]

    def _create(self, user: User, spec: PromptSpec, key: str) -> ImageRecord:
        """A new image, paid for with a weekly slot: reserved first, confirmed once the image
        is stored, returned on any failure (and for a fallback image, which is free)."""
        if not self.generation_enabled:
            raise GenerationDisabled(
                "image generation is switched off (ENABLE_IMAGE_GENERATION=false); "
                "only cached images are served"
            )
        reservation = self._reserve(user)
        try:
            record = self._generate_and_store(user, spec, key)
        except BaseException:
            if reservation is not None:
                self._release(user, reservation, confirm=False)
            raise
        if reservation is not None:
            self._release(user, reservation, confirm=not record.fallback)
        return record

    def _reserve(self, user: User) -> str | None:
        limit = self.policy.tier(user.tier).weekly_limit
        if limit is None or self.quota is None:
            return None  # unlimited
        window = self.window()
        reservation = uuid.uuid4().hex
        check = self.quota.reserve(
            user.id, reservation, limit=limit, window=window, lease=self.quota_lease
        )
        if not check.granted:
            resets = window.resets_at(check.oldest)
            when = f"; the next one comes back at {resets.isoformat()}" if resets else ""
            raise QuotaExceeded(
                f"the {user.tier} tier's {limit} new images a week are used up{when}",
                resets_at=resets,
            )
        return reservation

    def _release(self, user: User, reservation: str, *, confirm: bool) -> None:
        assert self.quota is not None
        if confirm:
            self.quota.confirm(user.id, reservation)
        else:
            self.quota.refund(user.id, reservation)

    def window(self) -> Window:
        """The current weekly window (calendar week or rolling, from the policy)."""
        return current_window(self._clock(), self.timezone, self.policy.window)

    def usage_stats(self, user: User) -> UsageStats:
        """The seed's usage statistics, with when the next slot frees up."""
        _require_user(user)
        rules = self.policy.tier(user.tier)
        window = self.window()
        check = self.quota.usage(user.id, window) if self.quota is not None else None
        used = check.used if check is not None else 0
        limit = rules.weekly_limit
        return UsageStats(
            tier=rules.name,
            weekly_usage=used,
            weekly_limit=limit,
            remaining=None if limit is None else max(0, limit - used),
            quality=rules.quality.value,
            resets_at=window.resets_at(check.oldest if check is not None else None),
        )

    def sweep_reservations(self, admin: User) -> int:
        """Expire the slots of generations that never finished (a crashed process)."""
        self.require_admin(admin)
        return self.quota.sweep() if self.quota is not None else 0

    @staticmethod
    def require_admin(user: User) -> None:
        who: object = user  # checked at run time: hosts pass whatever they have
        if not isinstance(who, User) or not who.is_admin:
            raise NotEntitled("this operation is for administrators (User(..., is_admin=True))")

    def _generate_and_store(self, user: User, spec: PromptSpec, key: str) -> ImageRecord:
        image = self._call_provider(user, spec)
        attempts = _attempts_of(user, spec, image)
        image_id = str(uuid.uuid4())
        blob_key = f"{image_id[:2]}/{image_id}.png"
        try:
            url = self.blobs.put(blob_key, image.data, image.media_type)
            return self.repository.add_image(
                NewImage(
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
                    metadata=self._metadata(spec, image),
                ),
                now=self._clock(),
                attempts=attempts,
            )
        except BaseException:
            self.blobs.delete(blob_key)
            # The image was paid for even though it could not be kept: the ledger says so.
            self.repository.record_attempts(
                tuple(
                    dataclasses.replace(a, outcome="lost", error="not stored")
                    if a.outcome in ("generated", "fallback")
                    else a
                    for a in attempts
                ),
                now=self._clock(),
            )
            raise

    def _call_provider(self, user: User, spec: PromptSpec) -> GeneratedImage:
        try:
            image = self.provider.generate(spec, end_user=self.end_user(user.id))
        except InvalidRequest:
            raise  # refused before any call was made
        except CosmicImagesError as exc:
            self._record_failure(user, spec, exc)
            raise
        except Exception as exc:
            error = ProviderUnavailable(
                f"the {self.provider.name} provider failed: {type(exc).__name__}: {exc}"
            )
            self._record_failure(user, spec, error)
            raise error from exc
        if image.media_type == "image/png" and not image.data.startswith(_PNG_MAGIC):
            raise ProviderUnavailable(f"the {self.provider.name} provider returned no PNG image")
        return image

    def _record_failure(self, user: User, spec: PromptSpec, error: CosmicImagesError) -> None:
        unavailable = error if isinstance(error, ProviderUnavailable) else None
        attempt = Attempt(
            user_id=user.id,
            category=spec.category,
            provider=self.provider.name,
            model=self.provider.model,
            outcome="rejected" if isinstance(error, ContentRejected) else "failed",
            cost=unavailable.billed_cost if unavailable else Decimal("0"),
            possibly_billed=unavailable.possibly_billed if unavailable else False,
            error=f"{error.code}: {error.message}",
        )
        self.repository.record_attempts((attempt,), now=self._clock())

    @staticmethod
    def _metadata(spec: PromptSpec, image: GeneratedImage) -> dict[str, Any]:
        meta: dict[str, Any] = {"identity": dict(spec.identity), "providerQuality": image.quality}
        if image.revised_prompt:
            meta["revisedPrompt"] = image.revised_prompt
        if image.usage:
            meta["usage"] = dict(image.usage)
        meta.update(spec.metadata)
        meta.update(image.metadata)
        return meta

    def _result(self, record: ImageRecord, *, cached: bool, cards: bool) -> GenerationResult:
        return GenerationResult(
            image_id=record.id,
            image_url=record.image_url,
            description=record.description,
            shareable_card=self.share_url_template.format(image_id=record.id) if cards else None,
            cached=cached,
            category=record.category,
            model=record.model,
            quality=record.quality,
            cost=record.cost,
            created_at=record.created_at,
            prompt=record.prompt,
            fallback=record.fallback,
            metadata=record.metadata,
        )

    # --- reading -------------------------------------------------------------------------------

    def gallery(self, user: User, limit: int = 20, offset: int = 0) -> GalleryPage:
        """The user's images, most recently delivered first."""
        _require_user(user)
        if not _whole(limit) or not 1 <= limit <= MAX_GALLERY_PAGE:
            raise InvalidRequest(
                f"limit: must be a whole number from 1 to {MAX_GALLERY_PAGE}", field="limit"
            )
        if not _whole(offset) or offset < 0:
            raise InvalidRequest("offset: must be a whole number >= 0", field="offset")
        entries, total = self.repository.gallery(user.id, limit=limit, offset=offset)
        items = tuple(
            GalleryItem(
                image_id=e.image.id,
                image_url=e.image.image_url,
                category=e.image.category,
                description=e.image.description,
                model=e.image.model,
                quality=e.image.quality,
                created_at=e.image.created_at,
                delivered_at=e.delivered_at,
                favorite=e.favorite,
            )
            for e in entries
        )
        return GalleryPage(images=items, total=total, limit=limit, offset=offset)

    def get_image(self, image_id: str) -> ImageRecord:
        record = self.repository.get_image(image_id)
        if record is None:
            raise NotFound(f"no image with id {image_id!r}")
        return record

    def image_bytes(self, image_id: str) -> bytes:
        return self.blobs.get(self.get_image(image_id).blob_key)


def _attempts_of(user: User, spec: PromptSpec, image: GeneratedImage) -> tuple[Attempt, ...]:
    """The ledger entries of a provider answer: the image, and a primary that failed first."""
    attempts = []
    failure = image.metadata.get("primaryFailure")
    if isinstance(failure, Mapping):
        attempts.append(
            Attempt(
                user_id=user.id,
                category=spec.category,
                provider=str(failure["provider"]),
                model=str(failure["model"]),
                outcome="failed",
                cost=Decimal(str(failure["billedCost"])),
                possibly_billed=bool(failure["possiblyBilled"]),
                error=str(failure["message"]),
            )
        )
    attempts.append(
        Attempt(
            user_id=user.id,
            category=spec.category,
            provider=image.provider,
            model=image.model,
            outcome="fallback" if image.fallback else "generated",
            cost=image.cost,
            quality=image.quality,
            size=str(image.metadata.get("size") or f"{image.width}x{image.height}"),
            usage=image.usage,
            error="cost unknown: the provider reported no usage"
            if image.metadata.get("costUnknown")
            else None,
        )
    )
    return tuple(attempts)
