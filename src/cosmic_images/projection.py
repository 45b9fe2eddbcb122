"""A month's cost, projected from users, the tier mix, the cache's hit rate and the price table,
with its arithmetic shown line by line (docs/costs.md sets it beside the seed's scenario).

The rule, written once: each tier's users ask for ``weekly_limit x weeks_per_month`` images a
month (``unlimited_images`` for a tier without a limit; none for a tier that cannot generate);
of those requests, the hit rate's share is served from the cache and the rest are paid at the
tier's quality; the nightly batch adds one standard image per sign and day, which no cache
saves. The cache saving is computed on the same base as the requests it saves.

Token-priced models have no price per image; they are priced at typical token counts for a
1024x1024 image (:data:`TYPICAL_TOKENS`, from OpenAI's published figures for its GPT image
models at medium and high quality), which the projection prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from .errors import InvalidRequest
from .images import whole_number
from .ledger.pricing import PriceTable, TokenUsage
from .policy import Policy
from .reports import money
from .zodiac import Quality, Sign

__all__ = [
    "TYPICAL_TOKENS",
    "Planner",
    "Projection",
    "ProjectionLine",
    "parse_mix",
    "project_month",
]

CENT = Decimal("0.01")
TYPICAL_TOKENS = {
    Quality.STANDARD: TokenUsage(text_input=100, image_output=1056),
    Quality.HD: TokenUsage(text_input=100, image_output=4160),
}
SIZE = "1024x1024"
MAX_USERS = 1_000_000_000


def _share(value: object, field: str) -> Decimal:
    """A number from 0 to 1 (a float, a decimal or its text), else InvalidRequest."""
    try:
        share = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except ArithmeticError:
        share = Decimal("NaN")
    if not share.is_finite() or not 0 <= share <= 1:
        raise InvalidRequest(f"{field}: must be a number from 0 to 1", field=field)
    return share


@dataclass(frozen=True, slots=True)
class Planner:
    """Projections with the service's tier table, price table and configured model."""

    policy: Policy
    prices: PriceTable
    model: str

    def plan(
        self, users: object, mix: object, hit_rate: object, model: object, unlimited: object
    ) -> Projection:
        """:func:`project_month` for a caller's arguments, each checked."""
        if model is not None and not isinstance(model, str):
            raise InvalidRequest("model: must be a model name", field="model")
        return project_month(
            users=whole_number(users, "users", 0, MAX_USERS),
            mix=parse_mix(mix),
            hit_rate=_share(hit_rate, "hitRate"),
            policy=self.policy,
            prices=self.prices,
            model=model or self.model,
            unlimited_images=whole_number(unlimited, "unlimitedImages", 0, 100_000),
        )


def parse_mix(value: object) -> dict[str, Decimal]:
    """``free=0.3,cosmic=0.5,universe=0.2`` (or a mapping) as shares that add up to 1."""
    if isinstance(value, str):
        pairs: dict[str, object] = {}
        for part in value.split(","):
            name, sep, share = part.partition("=")
            if not sep:
                raise InvalidRequest(f"mix: {part!r} is not tier=share", field="mix")
            pairs[name.strip()] = share.strip()
        value = pairs
    if not isinstance(value, Mapping) or not value:
        raise InvalidRequest("mix: give tier=share pairs, e.g. free=0.3,cosmic=0.7", field="mix")
    mix: dict[str, Decimal] = {}
    for name, share in value.items():
        try:
            amount = Decimal(str(share))
        except ArithmeticError:
            raise InvalidRequest(f"mix: {share!r} is not a number", field="mix") from None
        if not amount.is_finite() or not 0 <= amount <= 1:
            raise InvalidRequest(f"mix: the share of {name} must be 0 to 1", field="mix")
        mix[str(name)] = amount
    if sum(mix.values()) != 1:
        raise InvalidRequest(f"mix: the shares add up to {sum(mix.values())}, not 1", field="mix")
    return mix


@dataclass(frozen=True, slots=True)
class ProjectionLine:
    """One line of the arithmetic: who, how many requests, how many paid, at what price."""

    what: str
    users: int
    requests: int
    paid: int
    unit_price: Decimal
    cost: Decimal
    note: str

    def to_api(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "users": self.users,
            "requests": self.requests,
            "paid": self.paid,
            "unitPrice": money(self.unit_price),
            "cost": money(self.cost),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Projection:
    model: str
    users: int
    hit_rate: Decimal
    lines: tuple[ProjectionLine, ...]
    without_cache: Decimal

    @property
    def total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0)).quantize(CENT)

    @property
    def saving(self) -> Decimal:
        return (self.without_cache - self.total).quantize(CENT)

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "model": self.model,
                "users": self.users,
                "hitRate": float(self.hit_rate),
                "lines": [line.to_api() for line in self.lines],
                "totalMonthlyCost": money(self.total),
                "withoutCache": money(self.without_cache),
                "cacheSaving": money(self.saving),
            },
        }

    def to_text(self) -> str:
        out = [f"Projected month: {self.users:,} users, {self.model}, hit rate {self.hit_rate:.0%}"]
        for line in self.lines:
            out.append(f"  {line.what}: {line.note} = ${line.cost:,.2f}")
        out.append(f"  total: ${self.total:,.2f}")
        out.append(
            f"  without the cache: ${self.without_cache:,.2f}; the cache saves ${self.saving:,.2f}"
        )
        return "\n".join(out) + "\n"


def _price(prices: PriceTable, model: str, quality: Quality) -> tuple[Decimal, str]:
    if prices.is_token_priced(model):
        usage = TYPICAL_TOKENS[quality]
        price = prices.cost(model, quality=quality.value, size=SIZE, usage=usage)
        return price, f"{usage.image_output} image and {usage.text_input} text tokens"
    return prices.image_price(model, quality.value, SIZE), f"{quality.value} {SIZE}"


def project_month(
    *,
    users: int,
    mix: Mapping[str, Decimal],
    hit_rate: Decimal,
    policy: Policy,
    prices: PriceTable,
    model: str,
    unlimited_images: int = 20,
    weeks_per_month: int = 4,
    days: int = 30,
) -> Projection:
    """The month's cost, line by line (see the module's docstring for the rule)."""
    if not prices.knows(model):
        raise InvalidRequest(f"model: no prices for {model!r}", field="model")
    lines: list[ProjectionLine] = []
    without_cache = Decimal(0)
    for tier, share in mix.items():
        try:
            rules = policy.tier(tier)
        except InvalidRequest as exc:
            raise InvalidRequest(f"mix: {exc.message.removeprefix('tier: ')}", field="mix") from exc
        count = int((Decimal(users) * share).to_integral_value(ROUND_HALF_EVEN))
        if not rules.categories:
            lines.append(
                ProjectionLine(tier, count, 0, 0, Decimal(0), Decimal(0), f"{count:,} x 0 images")
            )
            continue
        each = (
            unlimited_images if rules.weekly_limit is None else rules.weekly_limit * weeks_per_month
        )
        requests = count * each
        paid = int((requests * (1 - hit_rate)).to_integral_value(ROUND_HALF_EVEN))
        price, basis = _price(prices, model, rules.quality)
        cost = (paid * price).quantize(CENT, ROUND_HALF_EVEN)
        without_cache += requests * price
        per = (
            "(unlimited: assumed)"
            if rules.weekly_limit is None
            else (f"({rules.weekly_limit}/week x {weeks_per_month})")
        )
        note = (
            f"{count:,} users x {each} images {per} = {requests:,} requests; "
            f"{1 - hit_rate:.0%} paid = {paid:,} x ${price} ({basis})"
        )
        lines.append(ProjectionLine(tier, count, requests, paid, price, cost, note))
    batch_price, basis = _price(prices, model, Quality.STANDARD)
    batch_images = len(Sign) * days
    batch = (batch_images * batch_price).quantize(CENT, ROUND_HALF_EVEN)
    without_cache += batch
    lines.append(
        ProjectionLine(
            "nightly batch",
            0,
            batch_images,
            batch_images,
            batch_price,
            batch,
            f"{len(Sign)} signs x {days} days = {batch_images} x ${batch_price} ({basis})",
        )
    )
    return Projection(
        model, users, hit_rate, tuple(lines), without_cache.quantize(CENT, ROUND_HALF_EVEN)
    )
