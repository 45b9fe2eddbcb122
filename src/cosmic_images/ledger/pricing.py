"""Exact cost of a generation, from a price table that is data.

Per-image models (DALL-E) cost a fixed price by quality and size; token-priced models (the
GPT image models) cost their reported ``usage`` times dollars per million tokens. Everything is
:class:`~decimal.Decimal`: ``5 / 1M * 150 tokens`` is exactly ``0.00075``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .._toml import read_table
from ..errors import ConfigurationError

__all__ = ["PriceTable", "TokenPrices", "TokenUsage", "load_price_table"]

MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts as the Images API reports them."""

    text_input: int = 0
    image_input: int = 0
    image_output: int = 0
    text_output: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "textInput": self.text_input,
            "imageInput": self.image_input,
            "imageOutput": self.image_output,
            "textOutput": self.text_output,
        }


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """Dollars per million tokens."""

    text_input: Decimal
    image_input: Decimal
    image_output: Decimal
    text_output: Decimal | None = None

    def cost(self, usage: TokenUsage) -> Decimal:
        text_output = self.text_output if self.text_output is not None else self.image_output
        total = (
            usage.text_input * self.text_input
            + usage.image_input * self.image_input
            + usage.image_output * self.image_output
            + usage.text_output * text_output
        )
        return total / MILLION


@dataclass(frozen=True, slots=True)
class PriceTable:
    per_image: Mapping[str, Mapping[tuple[str, str], Decimal]]
    per_token: Mapping[str, TokenPrices]

    def knows(self, model: str) -> bool:
        return model in self.per_image or model in self.per_token

    def is_token_priced(self, model: str) -> bool:
        return model in self.per_token

    def image_price(self, model: str, quality: str, size: str) -> Decimal:
        rows = self.per_image.get(model)
        if rows is None or (quality, size) not in rows:
            raise ConfigurationError(
                f"no price for {model} at quality {quality!r} and size {size}: add it to "
                "COSMIC_IMAGES_PRICES_FILE"
            )
        return rows[(quality, size)]

    def cost(self, model: str, *, quality: str, size: str, usage: TokenUsage | None) -> Decimal:
        """What one image cost: per token when the model is token-priced, else per image."""
        if model in self.per_token:
            if usage is None:
                raise ConfigurationError(f"{model} is priced per token but reported no usage")
            return self.per_token[model].cost(usage)
        return self.image_price(model, quality, size)

    def rows(self) -> list[dict[str, Any]]:
        """Every price as a flat row, for ``cosmic-images pricing``."""
        out: list[dict[str, Any]] = []
        for model, prices in sorted(self.per_image.items()):
            for (quality, size), price in sorted(prices.items()):
                out.append(
                    {
                        "model": model,
                        "unit": "image",
                        "quality": quality,
                        "size": size,
                        "price": price,
                    }
                )
        for model, token in sorted(self.per_token.items()):
            for kind in ("text_input", "image_input", "image_output", "text_output"):
                value = getattr(token, kind)
                if value is not None:
                    out.append(
                        {
                            "model": model,
                            "unit": f"1M {kind.replace('_', ' ')} tokens",
                            "quality": None,
                            "size": None,
                            "price": value,
                        }
                    )
        return out


def _money(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigurationError(f'{where}: prices must be decimal strings like "0.040"')
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise ConfigurationError(f"{where}: {value!r} is not a decimal number") from None
    if not price.is_finite() or price < 0:
        raise ConfigurationError(f"{where}: a price must be a finite number >= 0")
    return price


def load_price_table(extra: Path | None = None) -> PriceTable:
    """The shipped prices, with the models of ``extra`` (if given) added or replacing."""
    per_image: dict[str, dict[tuple[str, str], Decimal]] = {}
    per_token: dict[str, TokenPrices] = {}
    for path in (None, extra) if extra is not None else (None,):
        data, where = read_table(__package__, "prices.toml", path, "price table")
        for model, rows in data.get("per_image", {}).items():
            parsed: dict[tuple[str, str], Decimal] = {}
            for key, value in rows.items():
                quality, _, size = str(key).partition(" ")
                if not quality or not size:
                    raise ConfigurationError(
                        f'{where}: per_image.{model!r} keys are "QUALITY WIDTHxHEIGHT"'
                    )
                parsed[(quality, size)] = _money(value, f"{where}: per_image.{model!r}.{key}")
            per_image[model] = parsed
            per_token.pop(model, None)
        for model, raw in data.get("per_token", {}).items():
            at = f"{where}: per_token.{model!r}"
            missing = {"text_input", "image_input", "image_output"} - set(raw)
            if missing:
                raise ConfigurationError(f"{at}: needs {', '.join(sorted(missing))}")
            per_token[model] = TokenPrices(
                text_input=_money(raw["text_input"], at),
                image_input=_money(raw["image_input"], at),
                image_output=_money(raw["image_output"], at),
                text_output=_money(raw["text_output"], at) if "text_output" in raw else None,
            )
            per_image.pop(model, None)
    return PriceTable(per_image=per_image, per_token=per_token)
