"""Prompt builders: the seed's style, deterministic, within every model's length limit."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cosmic_images import ConfigurationError, InvalidRequest
from cosmic_images.prompts import (
    ENERGY_DESCRIPTORS,
    MAX_PROMPT_CHARS,
    BuildContext,
    DayProfile,
    PromptSpec,
    Visual,
    default_prompt_registry,
)
from cosmic_images.schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    MoonRitualRequest,
    RequestModel,
    parse_request,
)
from cosmic_images.zodiac import SIGNS, MoonPhase, Quality, Sign

CTX = BuildContext(today=dt.date(2025, 1, 23), quality=Quality.HD)


def build(category: str, body: dict[str, object], ctx: BuildContext = CTX) -> PromptSpec:
    definition = default_prompt_registry().get(category)
    return definition.builder(parse_request(definition.request_model, body), ctx)


def test_daily_energy_prompt_in_the_seed_style() -> None:
    spec = build(
        "daily_energy",
        {
            "sign": "aries",
            "date": "2025-01-23",
            "energyLevel": 8,
            "mood": "uplifting",
            "focus": "career",
        },
    )
    lines = spec.prompt.splitlines()
    assert lines[0] == (
        "Ethereal cosmic energy visualization representing Aries energy on 2025-01-23."
    )
    assert "Energy level: 8/10 (vibrant and powerful)" in lines
    assert "Primary color palette: #FF6B6B, #FFA07A, #FF4500" in lines
    assert "Mood: uplifting" in lines and "Focus area: career" in lines
    assert any(line.startswith("Style: Dreamy, mystical, cosmic, spiritual art") for line in lines)
    assert lines[-1].startswith("No text, letters")
    assert spec.quality is Quality.HD
    assert spec.visual.palettes == (SIGNS[Sign.ARIES].palette,)
    assert spec.visual.intensity == pytest.approx(7 / 9)


def test_every_energy_level_has_its_own_descriptor() -> None:
    assert sorted(ENERGY_DESCRIPTORS) == list(range(1, 11))
    assert len(set(ENERGY_DESCRIPTORS.values())) == 10
    prompts = {
        build("daily_energy", {"sign": "leo", "energyLevel": n}).prompt for n in range(1, 11)
    }
    assert len(prompts) == 10


def test_no_date_means_the_business_day() -> None:
    spec = build("daily_energy", {"sign": "leo"})
    assert spec.identity == {"sign": "leo", "date": "2025-01-23"}
    assert spec.shared is True
    assert spec.quality is Quality.STANDARD  # shared images are made once, at standard


def test_the_shared_profile_is_pluggable() -> None:
    ctx = BuildContext(
        today=dt.date(2025, 1, 13),
        quality=Quality.STANDARD,
        day_profile=lambda sign, day: DayProfile(9, "electric", "release", "Full Moon in Cancer"),
    )
    spec = build("daily_energy", {"sign": "cancer"}, ctx)
    assert "Energy level: 9/10" in spec.prompt
    assert "Mood: electric" in spec.prompt and "Sky: Full Moon in Cancer" in spec.prompt


def test_prompts_are_deterministic() -> None:
    body = {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85}
    assert build("compatibility", body) == build("compatibility", body)
    assert build("compatibility", body).seed == build("compatibility", body).seed


@pytest.mark.parametrize("phase", list(MoonPhase))
def test_moon_prompts_name_the_phase(phase: MoonPhase) -> None:
    spec = build("moon_ritual", {"phase": phase.value})
    assert phase.label in spec.prompt
    assert spec.visual.moon_elongation == phase.elongation


def test_avatar_prompt_names_the_three_signs_and_traits() -> None:
    spec = build(
        "avatar",
        {
            "sunSign": "leo",
            "moonSign": "pisces",
            "risingSign": "gemini",
            "traits": ["creative", "curious"],
        },
    )
    assert "Leo sun, Pisces moon and Gemini rising" in spec.prompt
    assert "Personality traits: creative, curious" in spec.prompt
    assert spec.visual.signs == (Sign.LEO, Sign.PISCES, Sign.GEMINI)


def test_compatibility_prompt_blends_two_palettes() -> None:
    spec = build(
        "compatibility",
        {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85},
    )
    assert "#FF6B6B" in spec.prompt and SIGNS[Sign.LIBRA].palette[0] in spec.prompt
    assert "85/100" in spec.prompt
    assert spec.visual.blend == pytest.approx(0.85)


def test_longest_inputs_stay_within_the_smallest_model_limit() -> None:
    longest = "a" * 20 + " " + "b" * 19  # 40 characters, the cap
    trait = "c" * 24
    worst = 0
    for sign, moon, rising in itertools.product(list(Sign), repeat=3):
        spec = build(
            "avatar",
            {
                "sunSign": sign,
                "moonSign": moon,
                "risingSign": rising,
                "traits": [trait[:-1] + ch for ch in "vwxyz"],
                "version": 1000,
            },
        )
        worst = max(worst, len(spec.prompt))
    for sign in Sign:
        spec = build(
            "daily_energy", {"sign": sign, "energyLevel": 10, "mood": longest, "focus": longest}
        )
        worst = max(worst, len(spec.prompt))
    for a, b in itertools.product(list(Sign), repeat=2):
        spec = build(
            "compatibility", {"user1": {"sign": a}, "user2": {"sign": b}, "compatibilityScore": 40}
        )
        worst = max(worst, len(spec.prompt))
    assert worst <= MAX_PROMPT_CHARS


def test_a_host_can_add_a_category_and_replace_a_builder() -> None:
    class TarotRequest(RequestModel):
        card: str

    def build_tarot(request: TarotRequest, ctx: BuildContext) -> PromptSpec:
        return PromptSpec(
            category="tarot",
            prompt=f"The {request.card} card",
            quality=ctx.quality,
            visual=Visual(motif="energy", palettes=(("#000000",) * 3,)),
            description="Tarot",
            identity={"card": request.card},
        )

    registry = default_prompt_registry()
    registry.register("tarot", TarotRequest, build_tarot)
    assert "tarot" in registry and list(registry)[-1] == "tarot"
    with pytest.raises(ConfigurationError, match="already registered"):
        registry.register("tarot", TarotRequest, build_tarot)
    registry.register(
        "moon_ritual",
        MoonRitualRequest,
        lambda req, ctx: build_tarot(TarotRequest(card="moon"), ctx),
        replace=True,
    )
    assert (
        registry.get("moon_ritual")
        .builder(MoonRitualRequest(phase=MoonPhase.FULL_MOON), CTX)
        .prompt
        == "The moon card"
    )
    with pytest.raises(ConfigurationError, match="lower-case"):
        registry.register("Bad Name", TarotRequest, build_tarot)
    with pytest.raises(InvalidRequest) as excinfo:
        registry.get("horoscope")
    assert excinfo.value.field == "category"


def test_request_models_are_the_registered_ones() -> None:
    registry = default_prompt_registry()
    assert registry.get("daily_energy").request_model is DailyEnergyRequest
    assert registry.get("avatar").request_model is AvatarRequest
    assert registry.get("compatibility").request_model is CompatibilityRequest
