"""CosmicImages: the facade. Each public method checks its arguments and hands off to one part.

Read it top to bottom for a request's path, then open the module each line names:

- ``generation/pipeline.py``: policy, the category's rules, the prompt, the key, single flight;
- ``generation/work.py``: one new image (weekly slot, provider, bytes, row and ledger);
- ``images.py``: reading images, their bytes and galleries;
- ``sharing.py``: share cards (rendered by ``cards/``, stored in the blob store);
- ``usage.py``: weekly limits, usage statistics, sweeping abandoned slots;
- ``analytics.py``: shares, downloads, views, favourites; viral images and the dashboard;
- ``fairuse.py``: request rates, blocks, the counts of refusals (around each user request);
- ``reports.py``, ``projection.py``, ``budget.py``: cost reports, projections, budgets;
- ``batch.py``: the nightly batch;
- ``maintenance.py``: cleanup (the spool, orphaned blobs, expired entries).

``_wiring.py`` builds the parts from settings; no other module reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ._access import admin_only, require_admin, require_user, user_request
from ._wiring import DayRule, Parts, PartView, build
from .analytics import Dashboard, ImageEngagement, ViralImages
from .batch import BatchItem, BatchReport
from .budget import Alert, BudgetStatus
from .cache import CacheBackend
from .cache.statistics import CacheStats
from .maintenance import CleanupReport
from .policy import Policy, QuotaStore, Window
from .projection import Projection
from .prompts import DayProfile, PromptRegistry, PromptSpec
from .providers import ImageProvider
from .reports import CostReport
from .schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    GalleryPage,
    GenerationResult,
    GroupRequest,
    MoonRitualRequest,
    RequestModel,
    UsageStats,
    User,
)
from .settings import Settings
from .storage import BlobStore, ImageRecord, Repository
from .zodiac import CardFormat, Category, MoonPhase, Sign

__all__ = ["CosmicImages"]

RequestInput = RequestModel | Mapping[str, Any]


class CosmicImages:
    """Generate, cache, store and list astrology artwork. Thread-safe; one per process."""

    def __init__(self, parts: Parts) -> None:
        self._parts = parts

    # The collaborators, read-only, for hosts and tests that look inside.
    repository = PartView[Repository]()
    blobs = PartView[BlobStore]()
    cache = PartView[CacheBackend]()
    quota = PartView[QuotaStore]()
    provider = PartView[ImageProvider]()
    policy = PartView[Policy]()
    prompts = PartView[PromptRegistry]()

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        provider: ImageProvider | None = None,
        prompts: PromptRegistry | None = None,
        policy: Policy | None = None,
        day_profile: DayRule | None = None,
        share_texts: Mapping[str, str] | None = None,
    ) -> CosmicImages:
        """Build the service from settings (the environment when ``settings`` is None).

        ``share_texts`` replaces the seed's share text of a category (``{"avatar": ...}``)."""
        parts = build(
            settings or Settings.load(),
            provider=provider,
            prompts=prompts,
            policy=policy,
            day_profile=day_profile,
            share_texts=share_texts,
        )
        return cls(parts)

    def close(self) -> None:
        self._parts.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- generation ----------------------------------------------------------------------------

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

    def generate_group(
        self, user: User, request: GroupRequest | Mapping[str, Any]
    ) -> GenerationResult:
        """Group compatibility: 3 to 6 signs and a score, one artwork for all of them."""
        return self.generate(user, Category.GROUP, request)

    @user_request("generation")
    def generate(self, user: User, category: str, request: RequestInput) -> GenerationResult:
        """Any registered category; the named methods call this."""
        return self._parts.pipeline.generate(user, category, request)

    @user_request("generation")
    def edit_image(self, user: User, image_id: str, instruction: str) -> GenerationResult:
        """A new image: ``image_id`` changed as ``instruction`` says ("more purple", "more
        stars", "softer", "warmer"...), for a reader of it whose tier has edits (pipeline.py,
        edits.py)."""
        return self._parts.pipeline.edit(user, image_id, instruction)

    def cache_key(self, spec: PromptSpec) -> str:
        """Which picture ``spec`` is (the category, the request, the model, the quality)."""
        return self._parts.pipeline.key(spec)

    def today(self) -> dt.date:
        """The business day now, in the business timezone."""
        return self._parts.pipeline.today()

    def end_user(self, user_id: str) -> str:
        """The opaque id sent to providers: a keyed hash of the user id, never the id."""
        return self._parts.maker.end_user(user_id)

    # --- reading -------------------------------------------------------------------------------

    @user_request("read", blocked_may=True)
    def gallery(self, user: User, limit: int = 20, offset: int = 0) -> GalleryPage:
        """The user's images, most recently delivered first."""
        return self._parts.images.gallery(user, limit, offset)

    def get_image(self, user: User, image_id: str) -> ImageRecord:
        """An image its creator, its recipients, or anyone (a shared one) may see; else NotFound."""
        return self._parts.images.get(require_user(user), image_id)

    @user_request("read", blocked_may=True)
    def image_bytes(self, user: User, image_id: str) -> bytes:
        """The image's bytes, for the same people as :meth:`get_image`."""
        return self._parts.images.data(user, image_id)

    # --- share cards ----------------------------------------------------------------------------

    @user_request("read")
    def share_card(
        self,
        user: User,
        image_id: str,
        format: CardFormat | str | tuple[int, int] = CardFormat.INSTAGRAM_SQUARE,
        *,
        encoding: str = "png",
    ) -> bytes:
        """The image's share card (a seed format, ``WIDTHxHEIGHT`` or a pair) as PNG, JPEG or
        WebP bytes, for a reader of the image whose tier allows cards (sharing.py)."""
        return self._parts.cards.card(user, image_id, format, encoding)

    def share_text(self, category: str, phase: MoonPhase | str = MoonPhase.FULL_MOON) -> str:
        """The text to post with a category's card (the seed's, or the host's own); a moon
        ritual's names its ``phase``."""
        return self._parts.cards.share_text(category, phase)

    # --- engagement -------------------------------------------------------------------------

    @user_request("read")
    def record_share(self, user: User, image_id: str, platform: str) -> None:
        """The user shared the image on ``platform`` (analytics.py)."""
        self._parts.analytics.share(user, image_id, platform)

    @user_request("read")
    def record_download(self, user: User, image_id: str, format: str = "original") -> None:
        """The user downloaded the image (cards record their own downloads)."""
        self._parts.analytics.download(user, image_id, format)

    @user_request("read")
    def record_view(self, user: User, image_id: str) -> None:
        self._parts.analytics.view(user, image_id)

    @user_request("read")
    def favorite(self, user: User, image_id: str) -> bool:
        """Mark a favourite (idempotent); True when it was not one before."""
        return self._parts.analytics.favorite(user, image_id)

    @user_request("read")
    def unfavorite(self, user: User, image_id: str) -> bool:
        """Remove a favourite (idempotent); True when it was one."""
        return self._parts.analytics.unfavorite(user, image_id)

    def engagement(self, user: User, image_id: str) -> ImageEngagement:
        """An image's shares, downloads, views and favourites, for a reader of it."""
        return self._parts.analytics.engagement(require_user(user), image_id)

    @admin_only
    def viral_images(self, admin: User) -> ViralImages:
        """Images shared ``COSMIC_IMAGES_VIRAL_SHARES`` (50) times or more in 24 hours."""
        return self._parts.analytics.viral()

    @admin_only
    def dashboard(self, admin: User) -> Dashboard:
        """The seed's dashboard: today, viral images, the week's most shared, by category."""
        return self._parts.analytics.dashboard(limits=self._parts.fairuse.counts(self.today()))

    # --- fair use -----------------------------------------------------------------------------

    @admin_only
    def block_user(self, admin: User, user_id: str, reason: str) -> None:
        """Block ``user_id``: NotEntitled on everything but reads of what they have (fairuse.py);
        logged with who and why."""
        self._parts.fairuse.block(admin, user_id, reason)

    @admin_only
    def unblock_user(self, admin: User, user_id: str) -> bool:
        """Lift a block; True when there was one."""
        return self._parts.fairuse.unblock(admin, user_id)

    # --- weekly limits -------------------------------------------------------------------------

    def usage_stats(self, user: User) -> UsageStats:
        """The seed's usage statistics, with when the next slot frees up."""
        return self._parts.limits.stats(require_user(user))

    def window(self) -> Window:
        """The current weekly window (calendar week or rolling, from the policy)."""
        return self._parts.limits.window()

    @property
    def quota_lease(self) -> timedelta:
        """How long a reserved slot waits for its image before it expires."""
        return self._parts.limits.lease

    @quota_lease.setter
    def quota_lease(self, value: timedelta) -> None:
        self._parts.limits.set_lease(value)

    @admin_only
    def sweep_reservations(self, admin: User) -> int:
        """Expire the slots of generations that never finished (a crashed process)."""
        return self._parts.limits.sweep()

    # --- the nightly batch ----------------------------------------------------------------------

    def batch_generate(
        self,
        date: dt.date | str | None = None,
        *,
        signs: Sequence[Sign | str] | None = None,
        include_moon_ritual: bool = False,
        horoscopes: Mapping[Sign, DayProfile] | Mapping[str, Any] | None = None,
        concurrency: int = 4,
        popular: int = 0,
        progress: Callable[[BatchItem], None] | None = None,
    ) -> BatchReport:
        """The day's shared daily images (all 12 signs, or ``signs``), made once, and the
        ``popular`` pictures most received this week kept cached (batch.py). ``horoscopes``
        (profiles, or the host's JSON by sign) must cover every sign of the batch."""
        return self._parts.batch.request(
            date,
            signs=signs,
            include_moon_ritual=include_moon_ritual,
            horoscopes=horoscopes,
            concurrency=concurrency,
            popular=popular,
            progress=progress,
        )

    # --- statistics ---------------------------------------------------------------------------

    def cache_stats(self, days: int = 7) -> CacheStats:
        """Hits, misses and waits of the last ``days`` business days (cache/statistics.py)."""
        return self._parts.reports.cache_stats(days)

    def cost_report(self, days: int = 7) -> CostReport:
        """What the last ``days`` business days cost, and how it adds up (reports.py)."""
        return self._parts.reports.cost_report(days)

    def project_month(
        self,
        users: int,
        mix: Mapping[str, float | str] | str,
        hit_rate: float | str = 0.8,
        *,
        model: str | None = None,
        unlimited_images: int = 20,
    ) -> Projection:
        """A month's cost from users, the tier mix and the hit rate, line by line, priced by
        ``model`` (the configured one by default) from the price table (projection.py)."""
        return self._parts.planner.plan(users, mix, hit_rate, model, unlimited_images)

    @admin_only
    def export_ledger(
        self,
        admin: User,
        since: dt.date | str,
        out: IO[str] | Path,
        *,
        format: str = "csv",
    ) -> int:
        """Every ledger entry from business day ``since`` as CSV (a text stream or a file) or
        Parquet (a file), streamed in batches; the rows written (export.py)."""
        return self._parts.reports.export(since, out, format)

    # --- budgets ------------------------------------------------------------------------------

    def budget_status(self) -> BudgetStatus:
        """Spend today and this month against the caps (budget.py)."""
        return self._parts.budget.status()

    def on_budget_alert(self, listener: Callable[[Alert], None]) -> None:
        """Call ``listener(alert)`` once per crossing: a spend spike, a share of a cap, a cap."""
        self._parts.budget.on_alert(listener)

    # --- upkeep -------------------------------------------------------------------------------

    @admin_only
    def cleanup(self, admin: User, *, dry_run: bool = False) -> CleanupReport:
        """Record spooled entries, remove orphaned blobs, purge the expired (maintenance.py)."""
        return self._parts.maintenance.cleanup(dry_run=dry_run)

    require_admin = staticmethod(require_admin)  # NotEntitled unless an administrator
