"""Which picture a request is: the cache key. Never the user."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..prompts import PromptSpec

__all__ = ["cache_key"]


def cache_key(spec: PromptSpec, model: str) -> str:
    """The category and normalised request, plus the model and quality unless it is a shared
    daily image (keyed by sign and date alone)."""
    payload: dict[str, Any] = {"category": spec.category, "identity": dict(spec.identity)}
    if not spec.shared:
        payload |= {"model": model, "quality": spec.quality.value}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
