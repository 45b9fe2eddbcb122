"""The image-model table: sizes, qualities, prompt limits and response forms, as data.

Model names are never an enum: models retire (DALL-E 2 and 3 on 2026-05-12, gpt-image-1 on
2026-10-23) and new ones arrive. The shipped ``models.toml`` can be extended or overridden by
a file of the same shape.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _defaults as defaults
from .._toml import read_table
from ..errors import ConfigurationError
from ..zodiac import Quality

__all__ = ["ModelSpec", "ModelTable", "load_model_table"]

_SIZE = re.compile(r"[1-9][0-9]{1,4}x[1-9][0-9]{1,4}")
_STATUSES = ("live", "retiring", "retired")
_RESPONSES = ("b64_json", "url", "none")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    family: str
    status: str
    qualities: Mapping[Quality, str]
    sizes: Mapping[str, str]
    prompt_max_chars: int
    response_format: str
    retires_on: dt.date | None = None
    deadlines: Mapping[Quality, float] = field(default_factory=dict)
    edits: bool = False  # takes the Images API's edit call (the GPT image models)

    def deadline_for(self, quality: Quality) -> float:
        """Seconds a call at ``quality`` may take in all; the standard one when not given."""
        return (
            self.deadlines.get(quality)
            or self.deadlines.get(Quality.STANDARD)
            or defaults.REQUEST_TIMEOUT
        )

    @property
    def max_deadline(self) -> float:
        return max([*self.deadlines.values(), defaults.REQUEST_TIMEOUT])

    def quality_for(self, quality: Quality) -> str:
        return self.qualities.get(quality) or self.qualities[Quality.STANDARD]

    def size_for(self, aspect: str) -> str:
        return self.sizes.get(aspect) or self.sizes["square"]

    def retired(self, today: dt.date) -> bool:
        if self.status == "retired":
            return True
        return self.retires_on is not None and today >= self.retires_on


@dataclass(frozen=True, slots=True)
class ModelTable:
    models: Mapping[str, ModelSpec]

    def get(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise ConfigurationError(
                f"COSMIC_IMAGES_OPENAI_MODEL: unknown image model {name!r} (known: {known}); "
                "add it with COSMIC_IMAGES_MODELS_FILE"
            ) from None


def load_model_table(extra: Path | None = None) -> ModelTable:
    """The shipped table, with the rows of ``extra`` (if given) added or replacing."""
    rows: dict[str, ModelSpec] = {}
    for path in (None, extra) if extra is not None else (None,):
        data, where = read_table(__package__, "models.toml", path, "model table")
        for name, raw in data.get("models", {}).items():
            rows[name] = _parse(name, raw, where)
    return ModelTable(rows)


def _parse(name: str, raw: Mapping[str, Any], where: str) -> ModelSpec:
    def fail(what: str) -> ConfigurationError:
        return ConfigurationError(f"{where}: models.{name!r}: {what}")

    status = raw.get("status", "live")
    if status not in _STATUSES:
        raise fail(f"status must be one of {', '.join(_STATUSES)}")
    qualities_raw = raw.get("qualities", {})
    try:
        qualities = {Quality(k): str(v) for k, v in qualities_raw.items()}
    except ValueError:
        raise fail("qualities keys must be standard and hd") from None
    if Quality.STANDARD not in qualities:
        raise fail("qualities needs a value for standard")
    sizes = dict(raw.get("sizes", {}))
    if "square" not in sizes or not all(_SIZE.fullmatch(str(s)) for s in sizes.values()):
        raise fail("sizes needs square, and every size as WIDTHxHEIGHT")
    response = raw.get("response_format", "none")
    if response not in _RESPONSES:
        raise fail(f"response_format must be one of {', '.join(_RESPONSES)}")
    limit = raw.get("prompt_max_chars")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 100:
        raise fail("prompt_max_chars must be a whole number >= 100")
    deadlines_raw = raw.get("deadlines", {})
    try:
        deadlines = {Quality(k): float(v) for k, v in dict(deadlines_raw).items()}
    except (TypeError, ValueError):
        raise fail("deadlines must map standard/hd to seconds") from None
    if any(not 0 < v <= 3600 for v in deadlines.values()):
        raise fail("deadlines must be between 0 and 3600 seconds")
    retires = raw.get("retires_on")
    if retires is not None and not isinstance(retires, dt.date):
        raise fail("retires_on must be a date (YYYY-MM-DD, unquoted)")
    return ModelSpec(
        name=name,
        family=str(raw.get("family", "gpt-image")),
        status=status,
        qualities=qualities,
        sizes=sizes,
        prompt_max_chars=limit,
        response_format=response,
        edits=raw.get("edits", str(raw.get("family", "gpt-image")) == "gpt-image") is True,
        retires_on=retires,
        deadlines=deadlines,
    )
