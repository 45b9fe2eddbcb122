"""Tier entitlements: the seed's table, pure, and replaceable by a TOML file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cosmic_images import ConfigurationError, InvalidRequest, NotEntitled
from cosmic_images.policy import Access, WindowKind, check_generation, load_policy
from cosmic_images.zodiac import Category, Quality

POLICY = load_policy()
ALL = [c.value for c in Category]


def test_the_seed_tiers() -> None:
    free, cosmic, universe = (POLICY.tier(t) for t in ("free", "cosmic", "universe"))
    assert (free.weekly_limit, cosmic.weekly_limit, universe.weekly_limit) == (0, 3, None)
    assert (cosmic.quality, universe.quality) == (Quality.STANDARD, Quality.HD)
    assert (free.cards, cosmic.cards, universe.cards) == (False, True, True)
    assert (free.downloads, cosmic.downloads, universe.downloads) == (False, True, True)
    assert (cosmic.price, universe.price) == (Decimal("4.99"), Decimal("9.99"))
    assert universe.custom_avatars and not cosmic.custom_avatars
    assert POLICY.window is WindowKind.CALENDAR_WEEK


@pytest.mark.parametrize(
    ("tier", "allowed"),
    [
        ("free", set()),
        ("cosmic", {"daily_energy", "compatibility"}),
        ("universe", set(ALL)),
    ],
)
def test_who_may_generate_what(tier: str, allowed: set[str]) -> None:
    for category in ALL:
        if category in allowed:
            assert check_generation(POLICY, tier, category) is Access.GENERATE
        elif category == "daily_energy":
            assert check_generation(POLICY, tier, category) is Access.VIEW_CACHED
        else:
            with pytest.raises(NotEntitled):
                check_generation(POLICY, tier, category)


def test_custom_avatars_need_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text(
        '[tiers.basic]\ncategories = ["avatar"]\nweekly_limit = 5\n'
        '[tiers.plus]\ncategories = ["avatar"]\ncustom_avatars = true\n'
    )
    policy = load_policy(path)
    assert check_generation(policy, "basic", "avatar") is Access.GENERATE
    with pytest.raises(NotEntitled) as excinfo:
        check_generation(policy, "basic", "avatar", custom=True)
    assert excinfo.value.required_tier == "plus"
    assert policy.tier("plus").weekly_limit is None


def test_unknown_tier_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest) as excinfo:
        check_generation(POLICY, "gold", "avatar")
    assert excinfo.value.field == "tier"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("", "needs a \\[tiers.NAME\\] table"),
        ("[tiers.x]\nweekly_limit = -1\n", "weekly_limit"),
        ("[tiers.x]\nweekly_limit = true\n", "weekly_limit"),
        ("[tiers.x]\nquality = 'ultra'\n", "quality"),
        ("[tiers.x]\ncategories = 'avatar'\n", "categories"),
        ("[tiers.x]\ncards = 'yes'\n", "cards"),
        ("[tiers.x]\nprice = 'cheap'\n", "price"),
        ("[tiers.x]\n[window]\nkind = 'monthly'\n", "window.kind"),
        ("[tiers.x\n", "cannot read"),
    ],
)
def test_bad_policy_files_are_configuration_errors(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigurationError, match=message):
        load_policy(path)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")
