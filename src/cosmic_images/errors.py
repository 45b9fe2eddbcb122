"""Errors raised by cosmic-images.

Every error the library raises on purpose is a :class:`CosmicImagesError`. Each carries a
stable ``code`` and the ``http_status`` a web host should answer with, so mapping an error to a
response is one line::

    CosmicImagesError                      code                  http_status
    ├── InvalidRequest                     invalid_request       422   (has .field)
    ├── Unauthorized                       unauthorized          401   (the web layer: no user)
    ├── NotEntitled                        not_entitled          403   (has .required_tier)
    ├── QuotaExceeded                      quota_exceeded        429   (has .resets_at)
    ├── RateLimited                        rate_limited          429   (has .retry_after)
    ├── NotFound                           not_found             404
    ├── GenerationDisabled                 generation_disabled   503
    ├── BudgetExceeded                     budget_exceeded       503
    ├── ContentRejected                    content_rejected      422
    ├── ProviderUnavailable                provider_unavailable  502   (has .retryable, ...)
    ├── ConfigurationError                 configuration_error   500
    └── BackendUnavailable                 backend_unavailable   503   (has .backend)

Errors from lower libraries (SQLAlchemy, the openai SDK, redis) are translated into these with
``raise ... from exc`` at one boundary (``_boundary.py`` for the stores, the provider for the
SDK), so the cause is kept for logs but never escapes the public API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

__all__ = [
    "BackendUnavailable",
    "BudgetExceeded",
    "ConfigurationError",
    "ContentRejected",
    "CosmicImagesError",
    "GenerationDisabled",
    "InvalidRequest",
    "NotEntitled",
    "NotFound",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "Unauthorized",
]


class CosmicImagesError(Exception):
    """Root of every error raised by cosmic-images."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` object of the JSON envelope."""
        return {"code": self.code, "message": self.message}

    def to_api(self) -> dict[str, Any]:
        """The seed's JSON envelope: ``{"success": false, "error": {...}}``."""
        return {"success": False, "error": self.to_dict()}


class InvalidRequest(CosmicImagesError):
    """The caller sent something we cannot accept; ``field`` names what (camelCase path)."""

    code = "invalid_request"
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.field is not None:
            data["field"] = self.field
        return data


class NotEntitled(CosmicImagesError):
    """The user's tier does not allow this; ``required_tier`` names one that would."""

    code = "not_entitled"
    http_status = 403

    def __init__(self, message: str, *, required_tier: str | None = None) -> None:
        super().__init__(message)
        self.required_tier = required_tier

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.required_tier is not None:
            data["requiredTier"] = self.required_tier
        return data


class QuotaExceeded(CosmicImagesError):
    """The user's weekly limit is used up until ``resets_at``."""

    code = "quota_exceeded"
    http_status = 429

    def __init__(
        self, message: str, *, resets_at: datetime | None = None, cap: str = "weekly"
    ) -> None:
        super().__init__(message)
        self.resets_at = resets_at
        self.cap = cap  # "weekly" (the tier's limit) or "daily" (the fair-use cap)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.resets_at is not None:
            data["resetsAt"] = self.resets_at.isoformat()
        if self.cap != "weekly":  # the daily fair-use cap says so; the weekly limit is the default
            data["cap"] = self.cap
        return data


class RateLimited(CosmicImagesError):
    """The shared budget of provider calls per minute (``COSMIC_IMAGES_RATE_LIMIT``) leaves no
    call for this request soon enough; ``retry_after`` says in how many seconds one frees."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.retry_after is not None:
            data["retryAfter"] = round(self.retry_after, 3)
        return data


class Unauthorized(CosmicImagesError):
    """A web request with no user the host recognised (a missing or bad token)."""

    code = "unauthorized"
    http_status = 401


class NotFound(CosmicImagesError):
    """The image (or other record) does not exist or is not visible to this user."""

    code = "not_found"
    http_status = 404


class GenerationDisabled(CosmicImagesError):
    """New generations are switched off (``ENABLE_IMAGE_GENERATION=false``)."""

    code = "generation_disabled"
    http_status = 503


class BudgetExceeded(CosmicImagesError):
    """The configured spending budget would be exceeded."""

    code = "budget_exceeded"
    http_status = 503


class ContentRejected(CosmicImagesError):
    """The provider's content policy rejected the prompt; nothing was stored or billed."""

    code = "content_rejected"
    http_status = 422


class ProviderUnavailable(CosmicImagesError):
    """The image provider failed, timed out, or is shut off by the circuit breaker.

    ``retryable`` says whether trying again may help and cannot bill twice (a 429, a 5xx, a
    connection that never reached the server); ``retry_after`` is the server's hint in
    seconds. ``billed_cost`` is what the failed attempt certainly cost (an image paid for but
    lost, such as an expired URL), and ``possibly_billed`` marks an attempt that may have been
    billed (a timeout after the request was sent).
    """

    code = "provider_unavailable"
    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        billed_cost: Decimal = Decimal("0"),
        possibly_billed: bool = False,
        request_made: bool = True,
    ) -> None:
        super().__init__(message)
        self.request_made = request_made
        self.retryable = retryable
        self.retry_after = retry_after
        self.billed_cost = billed_cost
        self.possibly_billed = possibly_billed


class ConfigurationError(CosmicImagesError):
    """The library is set up wrongly (bad setting, missing extra, rejected API key)."""

    code = "configuration_error"
    http_status = 500


class BackendUnavailable(CosmicImagesError):
    """A store the library depends on (the database, Redis, the blob store) failed or cannot
    be reached; ``backend`` names which. ``transient`` is True for an outage (a connection
    refused or lost, a timeout), which trying again later may cure, and False for an error the
    store will give again (data it refuses)."""

    code = "backend_unavailable"
    http_status = 503

    def __init__(self, message: str, *, backend: str | None = None, transient: bool = True) -> None:
        super().__init__(message)
        self.backend = backend
        self.transient = transient
