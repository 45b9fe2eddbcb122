"""Image providers behind one protocol, chosen by name."""

from .base import GeneratedImage, ImageProvider, ProviderProxy
from .procedural import ProceduralProvider
from .registry import ProviderFactory, available_providers, provider_from_name, register_provider

__all__ = [
    "GeneratedImage",
    "ImageProvider",
    "ProceduralProvider",
    "ProviderFactory",
    "ProviderProxy",
    "available_providers",
    "provider_from_name",
    "register_provider",
]
