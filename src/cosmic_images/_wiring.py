"""Settings become parts: the one place that reads :class:`Settings`.

:func:`build` turns settings (and a host's optional provider, prompts, policy and day rule)
into the collaborators of :class:`~cosmic_images.CosmicImages`; every other module takes what
it needs as arguments. Each default is written here or in ``settings.py``, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

from ._boundary import sqlalchemy_errors, translating
from ._registry import StoreContext
from .analytics import Analytics
from .batch import BatchRunner
from .budget import Budget, BudgetAction
from .cache import CacheBackend, SqlCache, cache_from_url
from .cards import CardStyle, check_png_encoder
from .errors import ConfigurationError
from .fairuse import FairUse
from .generation import ImageMaker, Pipeline
from .images import Images
from .ledger.pricing import load_price_table
from .ledger.spool import Spool
from .maintenance import Maintenance
from .policy import Policy, QuotaStore, load_policy, quota_from_url
from .policy.ratelimit import rate_limiter_from_url
from .projection import Planner
from .prompts import DayProfile, PromptRegistry, default_prompt_registry
from .providers import ImageProvider, ProviderConfig, provider_from_name
from .providers.base import max_deadline_of
from .providers.resilience import RateLimitedProvider, resilient
from .reports import Reports
from .settings import Settings
from .sharing import ShareCards
from .sky import sky_day_profile
from .storage import (
    BlobStore,
    Repository,
    blob_store_from_url,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from .storage.events import EventStore
from .usage import WeeklyLimits
from .zodiac import Sign

__all__ = ["Parts", "build", "generation_budget", "utcnow"]

DayRule = Callable[[Sign, dt.date], DayProfile]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


T = TypeVar("T")


class PartView(Generic[T]):
    """A read-only attribute of the facade showing the part of the same name
    (``repository = PartView[Repository]()``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            raise AttributeError(self.name)
        part: T = getattr(obj._parts, self.name)
        return part

    def __set__(self, obj: Any, value: T) -> None:
        raise AttributeError(f"{self.name} is read-only: pass it to from_settings instead")


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything the facade hands work to."""

    engine: Engine
    repository: Repository
    blobs: BlobStore
    cache: CacheBackend
    quota: QuotaStore
    provider: ImageProvider
    policy: Policy
    prompts: PromptRegistry
    limits: WeeklyLimits
    images: Images
    maker: ImageMaker
    pipeline: Pipeline
    maintenance: Maintenance
    batch: BatchRunner
    cards: ShareCards
    reports: Reports
    analytics: Analytics
    budget: Budget
    planner: Planner
    fairuse: FairUse

    def close(self) -> None:
        """Close every part, each even if another fails; the first failure is raised."""
        closers = [
            self.cache.close,
            self.quota.close,
            self.fairuse.limiter.close,
            self.engine.dispose,
        ]
        provider_close = getattr(self.provider, "close", None)
        if callable(provider_close):
            closers.insert(0, provider_close)
        failure: BaseException | None = None
        for close in closers:
            try:
                close()
            except Exception as exc:  # keep closing the rest
                failure = failure or exc
        if failure is not None:
            raise failure


def generation_budget(settings: Settings, provider: ImageProvider) -> timedelta:
    """The slowest a generation can be: every retry within the retry budget, a last attempt
    running to its deadline, and storing the result. Waiters for the same picture wait this
    long; a reserved weekly slot waits twice as long for its image before it expires."""
    slowest = max_deadline_of(provider)
    return timedelta(seconds=settings.retry_budget + 2 * slowest + 30)


def provider_config(settings: Settings) -> ProviderConfig:
    key = settings.openai_api_key
    return ProviderConfig(
        model=settings.openai_model,
        api_key=key.get_secret_value() if key is not None else None,
        base_url=settings.openai_base_url,
        timeout=settings.deadline_override,
        models_file=settings.models_file,
        prices_file=settings.prices_file,
    )


def build_provider(settings: Settings, context: StoreContext) -> ImageProvider:
    """The configured provider under its deadline and the shared rate limit (if set), behind
    retries, a breaker and the fallback (if set)."""
    config = provider_config(settings)
    fallback = settings.fallback_provider
    per_minute = settings.rate_limit
    rate_limit = None
    if per_minute is not None:
        limiter = rate_limiter_from_url(settings.effective_quota_url, context)

        def rate_limit(inner: ImageProvider) -> ImageProvider:
            return RateLimitedProvider(
                inner, limiter, per_minute=per_minute, max_wait=settings.rate_limit_wait
            )

    return resilient(
        provider_from_name(settings.effective_provider, config),
        max_retries=settings.max_retries,
        retry_budget=settings.retry_budget,
        breaker_threshold=settings.breaker_threshold,
        breaker_cool_down=settings.breaker_cool_down,
        deadline=settings.deadline_override,
        rate_limit=rate_limit,
        fallback=provider_from_name(fallback, config) if fallback else None,
    )


def budget_provider(settings: Settings, context: StoreContext) -> ImageProvider | None:
    """The cheaper model a degraded generation uses past a budget (``COSMIC_IMAGES_BUDGET_MODEL``),
    with the same deadline, retries and rate limit as the main one; None when unset."""
    if not settings.budget_model:
        return None
    cheaper = settings.model_copy(update={"openai_model": settings.budget_model})
    return build_provider(cheaper, context)


def card_style(settings: Settings) -> CardStyle:
    """The brand of share cards. A host's font is loaded now, so a file that is missing or
    no font is a ConfigurationError at start, not at every card; the bundled ones wait."""
    font = settings.card_font
    if font is not None and not font.is_file():
        raise ConfigurationError(f"COSMIC_IMAGES_CARD_FONT: {font} is not a file")
    style = CardStyle(
        brand_text=settings.brand_text,
        accent=settings.brand_accent,
        ink=settings.brand_ink,
        font_file=font,
    )
    if font is not None:
        try:
            style.fonts  # noqa: B018  (loads and checks it)
        except ConfigurationError as exc:
            raise ConfigurationError(f"COSMIC_IMAGES_CARD_FONT: {exc.message}") from exc
    return style


def prepare_schema(engine: Engine, *, migrate: bool) -> None:
    """Migrate (the embedded SQLite default), or insist the schema is already current."""
    with translating("database", sqlalchemy_errors):
        if migrate:
            upgrade(engine)
            return
        current, head = current_revision(engine), head_revision()
    if current != head:
        raise ConfigurationError(
            f"the database schema is at {current or 'nothing'}, the package needs {head}: "
            "run `cosmic-images db upgrade` (or apply `cosmic-images db sql`)"
        )


def build(
    settings: Settings,
    *,
    provider: ImageProvider | None = None,
    prompts: PromptRegistry | None = None,
    policy: Policy | None = None,
    day_profile: DayRule | None = None,
    share_texts: Mapping[str, str] | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> Parts:
    """Every part, from settings; a part given as an argument is used as it is."""
    engine = make_engine(settings.effective_database_url)
    stores: list[CacheBackend | QuotaStore] = []
    try:
        prepare_schema(engine, migrate=settings.should_auto_migrate)
        context = StoreContext(
            engine=engine,
            public_base_url=settings.public_base_url,
            clock=None if clock is utcnow else clock,
        )
        repository = Repository(engine, timezone=settings.zone)
        blobs = blob_store_from_url(settings.effective_blob_url, context)
        cache = cache_from_url(settings.effective_cache_url, context)
        stores.append(cache)
        quota = quota_from_url(settings.effective_quota_url, context)
        stores.append(quota)
        provider = provider or build_provider(settings, context)
        policy = policy or load_policy(settings.policy_file)
        prompts = prompts or default_prompt_registry()
        zone = settings.zone
        budget = generation_budget(settings, provider)
        salt = settings.user_hash_salt
        # A pending slot outlives any generation (timeouts, retries, storing) before it expires.
        limits = WeeklyLimits(quota, policy, zone, lease=budget * 2, clock=clock)
        spool = Spool(settings.spool_dir)
        images = Images(
            repository, blobs, share_url_template=settings.share_url_template, clock=clock
        )
        maker = ImageMaker(
            provider=provider,
            blobs=blobs,
            repository=repository,
            limits=limits,
            spool=spool,
            clock=clock,
            generation_enabled=settings.enable_image_generation,
            user_hash_salt=salt.get_secret_value().encode() if salt else None,
        )
        spending = Budget(
            repository,
            timezone=zone,
            clock=clock,
            daily=settings.daily_budget,
            monthly=settings.monthly_budget,
            action=BudgetAction(settings.budget_action),
            alert_share=settings.budget_alert_share,
            spike_factor=settings.spike_factor or None,
        )
        pipeline = Pipeline(
            prompts=prompts,
            policy=policy,
            cache=cache,
            images=images,
            maker=maker,
            timezone=zone,
            # The shared daily images follow the day's real sky unless a host says otherwise.
            day_profile=day_profile or sky_day_profile(zone.key),
            cache_ttl=settings.cache_ttl,
            lease=timedelta(seconds=settings.lease_seconds),
            wait=budget,
            clock=clock,
            # With the cache elsewhere (Redis), a generation also holds a database row, which
            # outlives a lost Redis lease: a second holder waits instead of paying again.
            claims=() if isinstance(cache, SqlCache) else (SqlCache(engine),),
            rejection_ttl=timedelta(seconds=settings.rejection_ttl_seconds),
            budget=spending,
            budget_provider=budget_provider(settings, context),
            # Past a cap a stand-in must cost nothing: always the offline artist.
            stand_in_provider=provider_from_name("procedural", provider_config(settings)),
        )
        maintenance = Maintenance(
            repository=repository,
            blobs=blobs,
            cache=cache,
            quota=quota,
            maker=maker,
            clock=clock,
            retention=(
                timedelta(days=settings.retention_days) if settings.retention_days else None
            ),
        )
        events = EventStore(engine, url_for=blobs.url_for)
        cards = ShareCards(
            images=images,
            policy=policy,
            events=events,
            blobs=blobs,
            style=card_style(settings),
            png_encoder=check_png_encoder(settings.card_png_encoder),
            timezone=zone,
            clock=clock,
            share_texts=share_texts,
        )
        fairuse = FairUse(
            policy=policy,
            limiter=rate_limiter_from_url(settings.effective_quota_url, context),
            engine=engine,
            timezone=zone,
            clock=clock,
        )
        maker.replay_spool()  # what a database outage left behind, now that it answers
    except BaseException:
        for store in stores:
            store.close()
        engine.dispose()
        raise
    return Parts(
        engine=engine,
        repository=repository,
        blobs=blobs,
        cache=cache,
        quota=quota,
        provider=provider,
        policy=policy,
        prompts=prompts,
        limits=limits,
        images=images,
        maker=maker,
        pipeline=pipeline,
        maintenance=maintenance,
        batch=BatchRunner(pipeline),
        cards=cards,
        reports=Reports(repository, cache, pipeline.today, zone),
        budget=spending,
        planner=Planner(policy, load_price_table(settings.prices_file), settings.openai_model),
        fairuse=fairuse,
        analytics=Analytics(
            images=images,
            policy=policy,
            events=events,
            repository=repository,
            timezone=zone,
            clock=clock,
            viral_shares=settings.viral_shares,
        ),
    )
