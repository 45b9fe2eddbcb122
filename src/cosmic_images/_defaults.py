"""Every default value that more than one module needs, written once.

``settings.py`` takes its defaults from here, and so do the parts a host may build without
settings (the resilience wrappers, ``ProviderConfig``, the memory cache).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BRAND_ACCENT",
    "BRAND_INK",
    "BRAND_TEXT",
    "BREAKER_COOL_DOWN",
    "BREAKER_THRESHOLD",
    "MAX_RETRIES",
    "MEMORY_CACHE_ENTRIES",
    "OPENAI_MODEL",
    "REQUEST_TIMEOUT",
    "RETRY_BUDGET",
]

OPENAI_MODEL: Final = "gpt-image-2"  # a live model (DESIGN: DALL-E and gpt-image-1 are retired)
REQUEST_TIMEOUT: Final = 25.0  # seconds; the seed's value
MAX_RETRIES: Final = 3
RETRY_BUDGET: Final = 60.0  # seconds all retries of one generation may take
BREAKER_THRESHOLD: Final = 5  # consecutive failures that open the circuit
BREAKER_COOL_DOWN: Final = 30.0  # seconds before a probe
MEMORY_CACHE_ENTRIES: Final = 10_000
BRAND_TEXT: Final = "Created with Cosmic Coach"  # the card watermark (the seed's)
BRAND_ACCENT: Final = "#F5C86B"  # glyphs, energy marks, the watermark and the frame
BRAND_INK: Final = "#FFFFFF"  # titles, dates and share texts
