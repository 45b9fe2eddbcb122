"""cosmic-images: personalised astrology artwork with tiers, caching and a cost ledger.

>>> from cosmic_images import CosmicImages, Settings, User
>>> svc = CosmicImages.from_settings(Settings())            # doctest: +SKIP
>>> svc.generate_daily_energy(User(id="u1", tier="cosmic"), {"sign": "aries"})  # doctest: +SKIP
"""

from .astro import birth_chart, moon_phase, sun_sign
from .errors import (
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
)
from .prompts import PromptRegistry, PromptSpec, Visual, default_prompt_registry
from .providers import GeneratedImage, ImageProvider, ProceduralProvider, register_provider
from .schemas import (
    AvatarRequest,
    BirthData,
    CompatibilityRequest,
    DailyEnergyRequest,
    GalleryItem,
    GalleryPage,
    GenerationResult,
    MoonRitualRequest,
    PartnerSign,
    RequestModel,
    User,
)
from .service import CosmicImages
from .settings import Settings
from .zodiac import CardFormat, Category, Element, Modality, MoonPhase, Quality, Sign

__version__ = "0.1.0.dev0"

__all__ = [
    "AvatarRequest",
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
    "ProviderUnavailable",
    "Quality",
    "QuotaExceeded",
    "RequestModel",
    "Settings",
    "Sign",
    "User",
    "Visual",
    "__version__",
    "birth_chart",
    "default_prompt_registry",
    "moon_phase",
    "register_provider",
    "sun_sign",
]
