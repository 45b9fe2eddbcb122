"""The provider protocol: a PromptSpec in, image bytes and their cost out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .. import _defaults as defaults
from ..ledger.entries import Attempt
from ..prompts.spec import PromptSpec

__all__ = [
    "GeneratedImage",
    "ImageProvider",
    "ProviderConfig",
    "ProviderProxy",
    "deadline_of",
    "edits_of",
    "max_deadline_of",
]


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """What a provider returns: the bytes themselves (never a URL that may expire).

    ``cost`` is what this answer cost; ``cost_known`` is False when a token-priced answer
    reported no usage. ``attempts`` are the calls that failed before this answer (a primary
    provider before a fallback), each with its own cost, for the ledger.
    """

    data: bytes
    width: int
    height: int
    model: str
    provider: str
    media_type: str = "image/png"
    quality: str = "standard"
    cost: Decimal = Decimal("0")
    usage: Mapping[str, int] | None = None
    revised_prompt: str | None = None
    fallback: bool = False
    size: str | None = None
    cost_known: bool = True
    attempts: tuple[Attempt, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What a provider factory is given: the OpenAI-style settings, already read.

    The wiring fills it from the settings; a host's factory may use any of it or none.
    """

    model: str = defaults.OPENAI_MODEL
    api_key: str | None = None
    base_url: str | None = None
    timeout: float | None = None  # a deadline for every call; None: each model's own

    models_file: Path | None = None
    prices_file: Path | None = None


@runtime_checkable
class ImageProvider(Protocol):
    """Anything that turns a :class:`PromptSpec` into an image.

    ``name`` identifies the provider in the ledger; ``model`` is the model it will use, which
    is part of the cache key (two models never share a picture). ``generate`` must return the
    image bytes or raise a :class:`~cosmic_images.errors.CosmicImagesError`. ``end_user`` is an
    opaque hash of the user the picture is made for (for the provider's abuse monitoring),
    never the raw id. A provider that runs in-process and cannot fail transiently may set
    ``remote = False``: it is then not wrapped in retries and a circuit breaker. A provider
    may also say how long a call may take in all, ``deadline(spec) -> seconds`` and
    ``max_deadline``; without them a call gets ``COSMIC_IMAGES_REQUEST_TIMEOUT`` (25 s).
    """

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage: ...


def edits_of(provider: object) -> bool:
    """Whether ``provider`` edits images (a ``spec.source``); providers say so with an
    ``edits`` attribute, and those without one do not."""
    return bool(getattr(provider, "edits", False))


class ProviderProxy:
    """A provider that wraps another (dogpile.cache's ``ProxyBackend`` idea): it answers to
    the inner provider's ``name`` and ``model``, so the cache key and the ledger see through
    it, and passes ``generate`` on. Subclasses override ``generate`` to add a concern."""

    def __init__(self, inner: ImageProvider) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def remote(self) -> bool:
        return bool(getattr(self.inner, "remote", True))

    @property
    def edits(self) -> bool:
        return edits_of(self.inner)

    def deadline(self, spec: PromptSpec) -> float:
        return deadline_of(self.inner, spec)

    @property
    def max_deadline(self) -> float:
        return max_deadline_of(self.inner)

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        return self.inner.generate(spec, end_user=end_user)

    def close(self) -> None:
        """Close the inner provider when it has anything to close (an HTTP client)."""
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def deadline_of(provider: ImageProvider, spec: PromptSpec) -> float:
    """How long one call of ``provider`` for ``spec`` may take in all."""
    own = getattr(provider, "deadline", None)
    return float(own(spec)) if callable(own) else defaults.REQUEST_TIMEOUT


def max_deadline_of(provider: ImageProvider) -> float:
    """The longest any one call of ``provider`` may take."""
    return float(getattr(provider, "max_deadline", defaults.REQUEST_TIMEOUT))
