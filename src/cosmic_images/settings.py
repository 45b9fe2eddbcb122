"""Settings, read from the environment and a ``.env`` file by pydantic-settings.

Only :meth:`cosmic_images.CosmicImages.from_settings` reads these; every other module takes
what it needs as arguments. Field names work as keyword arguments
(``Settings(database_url=...)``); the environment variable names are those of DESIGN.md.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import _defaults as defaults
from .errors import ConfigurationError

__all__ = ["Settings", "mask_url"]


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Effective configuration. See ``docs/configuration.md`` for each variable."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    data_dir: Path = Field(
        default=Path(".cosmic-images"), validation_alias=_env("COSMIC_IMAGES_DATA_DIR", "data_dir")
    )
    database_url: str | None = Field(
        default=None, validation_alias=_env("DATABASE_URL", "database_url")
    )
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL", "redis_url"))
    provider: str = Field(
        default="auto", validation_alias=_env("COSMIC_IMAGES_PROVIDER", "provider")
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=_env("OPENAI_BASE_URL", "openai_base_url")
    )
    openai_model: str = Field(
        default=defaults.OPENAI_MODEL,
        validation_alias=_env("COSMIC_IMAGES_OPENAI_MODEL", "openai_model"),
    )
    enable_image_generation: bool = Field(
        default=True, validation_alias=_env("ENABLE_IMAGE_GENERATION", "enable_image_generation")
    )
    timezone: str = Field(
        default="America/New_York", validation_alias=_env("COSMIC_IMAGES_TIMEZONE", "timezone")
    )
    request_timeout: float = Field(
        default=defaults.REQUEST_TIMEOUT,
        gt=0,
        validation_alias=_env("COSMIC_IMAGES_REQUEST_TIMEOUT", "request_timeout"),
    )
    lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        validation_alias=_env("COSMIC_IMAGES_LEASE", "lease_seconds"),
    )
    rejection_ttl_seconds: float = Field(
        default=600.0,
        ge=0,
        validation_alias=_env("COSMIC_IMAGES_REJECTION_TTL", "rejection_ttl_seconds"),
    )
    rate_limit: float | None = Field(
        default=None,
        gt=0,
        validation_alias=_env("COSMIC_IMAGES_RATE_LIMIT", "rate_limit"),
    )
    rate_limit_wait: float = Field(
        default=60.0,
        ge=0,
        validation_alias=_env("COSMIC_IMAGES_RATE_LIMIT_WAIT", "rate_limit_wait"),
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        validation_alias=_env("COSMIC_IMAGES_RETENTION_DAYS", "retention_days"),
    )
    cache_url: str | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_CACHE_URL", "cache_url")
    )
    quota_url: str | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_QUOTA_URL", "quota_url")
    )
    cache_ttl_seconds: int = Field(
        default=86_400,
        gt=0,
        validation_alias=_env("COSMIC_IMAGES_CACHE_TTL", "cache_ttl_seconds"),
    )
    blob_url: str | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_BLOB_URL", "blob_url")
    )
    public_base_url: str | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_PUBLIC_BASE_URL", "public_base_url")
    )
    share_url_template: str = Field(
        default="/api/images/share/{image_id}",
        validation_alias=_env("COSMIC_IMAGES_SHARE_URL", "share_url_template"),
    )
    policy_file: Path | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_POLICY_FILE", "policy_file")
    )
    auto_migrate: bool | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_AUTO_MIGRATE", "auto_migrate")
    )
    models_file: Path | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_MODELS_FILE", "models_file")
    )
    prices_file: Path | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_PRICES_FILE", "prices_file")
    )
    max_retries: int = Field(
        default=defaults.MAX_RETRIES,
        ge=0,
        le=10,
        validation_alias=_env("COSMIC_IMAGES_MAX_RETRIES", "max_retries"),
    )
    retry_budget: float = Field(
        default=defaults.RETRY_BUDGET,
        gt=0,
        validation_alias=_env("COSMIC_IMAGES_RETRY_BUDGET", "retry_budget"),
    )
    breaker_threshold: int = Field(
        default=defaults.BREAKER_THRESHOLD,
        ge=1,
        validation_alias=_env("COSMIC_IMAGES_BREAKER_THRESHOLD", "breaker_threshold"),
    )
    breaker_cool_down: float = Field(
        default=defaults.BREAKER_COOL_DOWN,
        gt=0,
        validation_alias=_env("COSMIC_IMAGES_BREAKER_COOLDOWN", "breaker_cool_down"),
    )
    fallback_provider: str | None = Field(
        default=None,
        validation_alias=_env("COSMIC_IMAGES_FALLBACK_PROVIDER", "fallback_provider"),
    )
    user_hash_salt: SecretStr | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_USER_HASH_SALT", "user_hash_salt")
    )
    brand_text: str = Field(
        default=defaults.BRAND_TEXT,
        max_length=200,
        validation_alias=_env("COSMIC_IMAGES_BRAND_TEXT", "brand_text"),
    )
    brand_accent: str = Field(
        default=defaults.BRAND_ACCENT,
        pattern=r"^#[0-9a-fA-F]{6}$",
        validation_alias=_env("COSMIC_IMAGES_BRAND_ACCENT", "brand_accent"),
    )
    brand_ink: str = Field(
        default=defaults.BRAND_INK,
        pattern=r"^#[0-9a-fA-F]{6}$",
        validation_alias=_env("COSMIC_IMAGES_BRAND_INK", "brand_ink"),
    )
    card_font: Path | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_CARD_FONT", "card_font")
    )
    daily_budget: Decimal | None = Field(
        default=None,
        gt=0,
        le=1_000_000_000,
        validation_alias=_env("COSMIC_IMAGES_DAILY_BUDGET", "daily_budget"),
    )
    monthly_budget: Decimal | None = Field(
        default=None,
        gt=0,
        le=1_000_000_000,
        validation_alias=_env("COSMIC_IMAGES_MONTHLY_BUDGET", "monthly_budget"),
    )
    budget_action: Literal["refuse", "degrade", "fallback"] = Field(
        default="refuse",
        validation_alias=_env("COSMIC_IMAGES_BUDGET_ACTION", "budget_action"),
    )
    budget_model: str | None = Field(
        default=None, validation_alias=_env("COSMIC_IMAGES_BUDGET_MODEL", "budget_model")
    )
    budget_alert_share: Decimal = Field(
        default=Decimal("0.8"),
        gt=0,
        le=1,
        validation_alias=_env("COSMIC_IMAGES_BUDGET_ALERT_SHARE", "budget_alert_share"),
    )
    spike_factor: Decimal = Field(
        default=Decimal("3"),
        ge=0,
        le=1000,
        validation_alias=_env("COSMIC_IMAGES_SPIKE_FACTOR", "spike_factor"),
    )
    viral_shares: int = Field(
        default=50,
        ge=1,
        validation_alias=_env("COSMIC_IMAGES_VIRAL_SHARES", "viral_shares"),
    )
    card_png_encoder: Literal["pillow", "fpng"] = Field(
        default="pillow",
        validation_alias=_env("COSMIC_IMAGES_CARD_PNG_ENCODER", "card_png_encoder"),
    )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Settings from the environment and .env with ``overrides`` (None values ignored);
        an invalid value is a :class:`ConfigurationError` naming the variable."""
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "settings"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigurationError(f"invalid setting {where}: {message}") from exc

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("share_url_template")
    @classmethod
    def _template_has_id(cls, value: str) -> str:
        if "{image_id}" not in value:
            raise ValueError("must contain the placeholder {image_id}")
        return value

    # Derived values: computed, never stored, so there is one source of truth.

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cosmic-images.db').resolve()}"

    @property
    def effective_cache_url(self) -> str:
        if self.cache_url:
            return self.cache_url
        return self.redis_url if self.redis_url else "sql"

    @property
    def effective_quota_url(self) -> str:
        if self.quota_url:
            return self.quota_url
        return self.redis_url if self.redis_url else "sql"

    @property
    def deadline_override(self) -> float | None:
        """COSMIC_IMAGES_REQUEST_TIMEOUT when it was set: then it replaces every model's own
        deadline; left alone, each model's deadline comes from the models table."""
        return self.request_timeout if "request_timeout" in self.model_fields_set else None

    @property
    def effective_provider(self) -> str:
        if self.provider != "auto":
            return self.provider
        return "openai" if self.openai_api_key is not None else "procedural"

    @property
    def should_auto_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.effective_database_url.startswith("sqlite")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cache_ttl(self) -> timedelta:
        return timedelta(seconds=self.cache_ttl_seconds)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def effective_blob_url(self) -> str:
        return self.blob_url or self.blob_dir.resolve().as_uri()

    def describe(self) -> dict[str, Any]:
        """The effective settings as plain data with every secret masked."""
        key = self.openai_api_key.get_secret_value() if self.openai_api_key else None
        return {
            "dataDir": str(self.data_dir.resolve()),
            "databaseUrl": mask_url(self.effective_database_url),
            "redisUrl": mask_url(self.redis_url) if self.redis_url else None,
            "provider": self.provider,
            "effectiveProvider": self.effective_provider,
            "openaiApiKey": _mask_secret(key) if key else None,
            "openaiBaseUrl": self.openai_base_url,
            "openaiModel": self.openai_model,
            "enableImageGeneration": self.enable_image_generation,
            "timezone": self.timezone,
            "requestTimeout": self.request_timeout,
            "cacheUrl": mask_url(self.effective_cache_url),
            "cacheTtlSeconds": self.cache_ttl_seconds,
            "leaseSeconds": self.lease_seconds,
            "rateLimit": self.rate_limit,
            "retentionDays": self.retention_days,
            "rateLimitWait": self.rate_limit_wait,
            "rejectionTtlSeconds": self.rejection_ttl_seconds,
            "quotaUrl": mask_url(self.effective_quota_url),
            "blobUrl": mask_url(self.effective_blob_url),
            "publicBaseUrl": self.public_base_url,
            "shareUrlTemplate": self.share_url_template,
            "policyFile": str(self.policy_file) if self.policy_file else None,
            "autoMigrate": self.should_auto_migrate,
            "modelsFile": str(self.models_file) if self.models_file else None,
            "pricesFile": str(self.prices_file) if self.prices_file else None,
            "maxRetries": self.max_retries,
            "retryBudget": self.retry_budget,
            "breakerThreshold": self.breaker_threshold,
            "breakerCoolDown": self.breaker_cool_down,
            "fallbackProvider": self.fallback_provider,
            "userHashSalt": "****" if self.user_hash_salt else None,
            "brandText": self.brand_text,
            "brandAccent": self.brand_accent,
            "brandInk": self.brand_ink,
            "cardFont": str(self.card_font) if self.card_font else None,
            "cardPngEncoder": self.card_png_encoder,
            "viralShares": self.viral_shares,
            "dailyBudget": str(self.daily_budget) if self.daily_budget else None,
            "monthlyBudget": str(self.monthly_budget) if self.monthly_budget else None,
            "budgetAction": self.budget_action,
            "budgetModel": self.budget_model,
            "budgetAlertShare": str(self.budget_alert_share),
            "spikeFactor": str(self.spike_factor),
        }


def _mask_secret(secret: str) -> str:
    return "****" + secret[-4:] if len(secret) > 8 else "****"


def mask_url(url: str) -> str:
    """``scheme://user:****@host/db``: the password of a URL replaced by stars."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:****@{netloc}"))
