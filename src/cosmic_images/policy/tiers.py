"""Tier entitlements: pure functions of a policy table, no I/O after loading.

The table comes from ``default_tiers.toml`` (the seed's tiers) or a host's own TOML file.
:func:`check_generation` answers "may this tier ask for this?" and, when not, names the
cheapest tier that would allow it, for the upgrade prompt. Counting against weekly limits is
the quota stores' job, not this module's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

from .._toml import read_table
from ..errors import ConfigurationError, InvalidRequest, NotEntitled
from ..zodiac import Quality

__all__ = [
    "Access",
    "Policy",
    "TierRules",
    "WindowKind",
    "check_generation",
    "load_policy",
    "not_entitled",
    "require_feature",
]


class WindowKind(Enum):
    CALENDAR_WEEK = "calendar_week"
    ROLLING_7_DAYS = "rolling_7_days"


class Access(Enum):
    """What a tier may do with a category: generate it, or only see cached ones."""

    GENERATE = "generate"
    VIEW_CACHED = "view_cached"


@dataclass(frozen=True, slots=True)
class TierRules:
    name: str
    categories: frozenset[str]
    view_cached: frozenset[str]
    quality: Quality
    weekly_limit: int | None  # None: unlimited
    cards: bool
    downloads: bool
    custom_avatars: bool
    price: Decimal | None = None
    edits: bool = False  # may edit images ("make it more purple")
    generations_per_minute: int | None = None  # requests to generation routes (fair use)
    reads_per_minute: int | None = None  # gallery, cards, downloads
    daily_images: int | None = None  # new images a business day (the cap on "unlimited")


@dataclass(frozen=True, slots=True)
class Policy:
    tiers: Mapping[str, TierRules]
    window: WindowKind = WindowKind.CALENDAR_WEEK

    def tier(self, name: str) -> TierRules:
        """The rules of tier ``name``; names match whatever their case (``Cosmic``)."""
        rules = self.tiers.get(name)
        if rules is None and isinstance(name, str):
            folded = name.strip().casefold()
            rules = next((t for n, t in self.tiers.items() if n.casefold() == folded), None)
        if rules is None:
            known = ", ".join(self.tiers)
            raise InvalidRequest(f"tier: unknown tier {name!r} (known: {known})", field="tier")
        return rules

    def with_category(self, tier: str, category: str) -> Policy:
        """A copy of this policy in which ``tier`` may also generate ``category``."""
        rules = self.tier(tier)
        changed = dataclasses.replace(rules, categories=rules.categories | {category})
        return dataclasses.replace(self, tiers={**self.tiers, tier: changed})

    def upgrade_for(self, allowed: Any) -> str | None:
        """The first tier (in table order, cheapest first) for which ``allowed(rules)`` holds."""
        return next((t.name for t in self.tiers.values() if allowed(t)), None)


def check_generation(policy: Policy, tier: str, category: str, *, custom: bool = False) -> Access:
    """How ``tier`` may get an image of ``category``, or :class:`NotEntitled`.

    ``custom`` marks a premium, customised request (the category decides what that is),
    which needs ``custom_avatars``.
    """
    rules = policy.tier(tier)
    if category in rules.categories and (not custom or rules.custom_avatars):
        return Access.GENERATE
    if category in rules.view_cached and not custom:
        return Access.VIEW_CACHED
    raise not_entitled(policy, tier, category, custom=custom)


def require_feature(policy: Policy, user_tier: str, feature: str, what: str) -> None:
    """NotEntitled unless ``user_tier`` has the flag ``feature`` (``cards``, ``downloads``),
    naming ``what`` it cannot do and the cheapest tier that can."""
    if getattr(policy.tier(user_tier), feature):
        return
    needed = policy.upgrade_for(lambda t: getattr(t, feature))
    message = f"the {user_tier} tier cannot {what}"
    if needed:
        message += f"; upgrade to {needed} to unlock them"
    raise NotEntitled(message, required_tier=needed)


def not_entitled(
    policy: Policy, tier: str, category: str, *, custom: bool = False, reason: str | None = None
) -> NotEntitled:
    """The one way to say no: what the tier cannot do, why, and the cheapest tier that can."""
    needed = policy.upgrade_for(
        lambda t: category in t.categories and (not custom or t.custom_avatars)
    )
    what = f"custom {category} images" if custom else f"{category} images"
    message = f"the {tier} tier cannot generate {what}"
    if reason:
        message = f"{reason}, and {message}"
    if needed:
        message += f"; upgrade to {needed} to unlock them"
    return NotEntitled(message, required_tier=needed)


def load_policy(path: Path | None = None) -> Policy:
    """The policy table from ``path``, or the shipped default (the seed's tiers)."""
    data, where = read_table(__package__, "default_tiers.toml", path, "policy table")
    return _parse(data, where)


def _parse(data: Mapping[str, Any], where: str) -> Policy:
    tiers_data = data.get("tiers")
    if not isinstance(tiers_data, Mapping) or not tiers_data:
        raise ConfigurationError(f"{where}: needs a [tiers.NAME] table for each tier")
    tiers: dict[str, TierRules] = {}
    for name, raw in tiers_data.items():
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{where}: [tiers.{name}] must be a table")
        tiers[name] = _parse_tier(name, raw, where)
    window_raw = data.get("window", {}).get("kind", WindowKind.CALENDAR_WEEK.value)
    try:
        window = WindowKind(window_raw)
    except ValueError:
        raise ConfigurationError(
            f"{where}: window.kind must be calendar_week or rolling_7_days, not {window_raw!r}"
        ) from None
    return Policy(tiers=tiers, window=window)


def _parse_tier(name: str, raw: Mapping[str, Any], where: str) -> TierRules:
    def fail(what: str) -> ConfigurationError:
        return ConfigurationError(f"{where}: tiers.{name}.{what}")

    def names(key: str) -> frozenset[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{key} must be a list of category names")
        return frozenset(value)

    def count(key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail(f"{key} must be a whole number >= 1 (or absent: no limit)")
        return value

    def flag(key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false")
        return value

    limit_raw = raw.get("weekly_limit", "unlimited")
    if limit_raw == "unlimited":
        limit: int | None = None
    elif isinstance(limit_raw, int) and not isinstance(limit_raw, bool) and limit_raw >= 0:
        limit = limit_raw
    else:
        raise fail('weekly_limit must be a whole number >= 0 or "unlimited"')
    try:
        quality = Quality(raw.get("quality", "standard"))
    except ValueError:
        raise fail("quality must be standard or hd") from None
    price: Decimal | None = None
    if "price" in raw:
        try:
            price = Decimal(str(raw["price"]))
        except InvalidOperation:
            raise fail("price must be a decimal number as a string") from None
    return TierRules(
        name=name,
        categories=names("categories"),
        view_cached=names("view_cached"),
        quality=quality,
        weekly_limit=limit,
        cards=flag("cards"),
        downloads=flag("downloads"),
        custom_avatars=flag("custom_avatars"),
        edits=flag("edits"),
        generations_per_minute=count("generations_per_minute"),
        reads_per_minute=count("reads_per_minute"),
        daily_images=count("daily_images"),
        price=price,
    )
