"""cosmic-images: personalised astrology artwork with tiers, caching and a cost ledger.

>>> from cosmic_images import CosmicImages, Settings, User
>>> svc = CosmicImages.from_settings(Settings())            # doctest: +SKIP
>>> svc.generate_daily_energy(User(id="u1", tier="cosmic"), {"sign": "aries"})  # doctest: +SKIP

Names are imported on first use (PEP 562), so ``import cosmic_images`` and the CLI's
``--help`` load none of SQLAlchemy, Pillow, openai or ephem.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .astro import birth_chart, moon_phase, sun_sign
    from .errors import (
        BackendUnavailable,
        BudgetExceeded,
        ConfigurationError,
        ContentRejected,
        CosmicImagesError,
        GenerationDisabled,
        InvalidRequest,
        NotEntitled,
        NotFound,
        ProviderUnavailable,
        QuotaExceeded,
        RateLimited,
        Unauthorized,
    )
    from .prompts import PromptRegistry, PromptSpec, Visual, default_prompt_registry
    from .providers import (
        GeneratedImage,
        ImageProvider,
        ProceduralProvider,
        ProviderConfig,
        register_provider,
    )
    from .schemas import (
        AvatarRequest,
        BirthData,
        CompatibilityRequest,
        DailyEnergyRequest,
        GalleryItem,
        GalleryPage,
        GenerationResult,
        GroupRequest,
        MoonRitualRequest,
        PartnerSign,
        RequestModel,
        User,
    )
    from .service import CosmicImages
    from .settings import Settings
    from .zodiac import CardFormat, Category, Element, Modality, MoonPhase, Quality, Sign

__version__ = "0.1.0.dev0"

# Where each public name lives, imported when first asked for.
_WHERE = {
    "birth_chart": "astro",
    "moon_phase": "astro",
    "sun_sign": "astro",
    "BackendUnavailable": "errors",
    "BudgetExceeded": "errors",
    "ConfigurationError": "errors",
    "ContentRejected": "errors",
    "CosmicImagesError": "errors",
    "GenerationDisabled": "errors",
    "InvalidRequest": "errors",
    "NotEntitled": "errors",
    "NotFound": "errors",
    "Unauthorized": "errors",
    "ProviderUnavailable": "errors",
    "QuotaExceeded": "errors",
    "RateLimited": "errors",
    "PromptRegistry": "prompts",
    "PromptSpec": "prompts",
    "Visual": "prompts",
    "default_prompt_registry": "prompts",
    "GeneratedImage": "providers",
    "ImageProvider": "providers",
    "ProceduralProvider": "providers",
    "ProviderConfig": "providers",
    "register_provider": "providers",
    "AvatarRequest": "schemas",
    "BirthData": "schemas",
    "CompatibilityRequest": "schemas",
    "DailyEnergyRequest": "schemas",
    "GalleryItem": "schemas",
    "GalleryPage": "schemas",
    "GenerationResult": "schemas",
    "GroupRequest": "schemas",
    "MoonRitualRequest": "schemas",
    "PartnerSign": "schemas",
    "RequestModel": "schemas",
    "User": "schemas",
    "CosmicImages": "service",
    "Settings": "settings",
    "CardFormat": "zodiac",
    "Category": "zodiac",
    "Element": "zodiac",
    "Modality": "zodiac",
    "MoonPhase": "zodiac",
    "Quality": "zodiac",
    "Sign": "zodiac",
}

__all__ = [
    "AvatarRequest",
    "BackendUnavailable",
    "BirthData",
    "BudgetExceeded",
    "CardFormat",
    "Category",
    "CompatibilityRequest",
    "ConfigurationError",
    "ContentRejected",
    "CosmicImages",
    "CosmicImagesError",
    "DailyEnergyRequest",
    "Element",
    "GalleryItem",
    "GalleryPage",
    "GeneratedImage",
    "GenerationDisabled",
    "GenerationResult",
    "GroupRequest",
    "ImageProvider",
    "InvalidRequest",
    "Modality",
    "MoonPhase",
    "MoonRitualRequest",
    "NotEntitled",
    "NotFound",
    "PartnerSign",
    "ProceduralProvider",
    "PromptRegistry",
    "PromptSpec",
    "ProviderConfig",
    "ProviderUnavailable",
    "Quality",
    "QuotaExceeded",
    "RateLimited",
    "RequestModel",
    "Settings",
    "Sign",
    "Unauthorized",
    "User",
    "Visual",
    "__version__",
    "birth_chart",
    "default_prompt_registry",
    "moon_phase",
    "register_provider",
    "sun_sign",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'cosmic_images' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, "__doc__", "__file__", "__name__", "__path__"})
