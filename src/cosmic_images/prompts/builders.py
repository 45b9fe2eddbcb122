"""The four built-in prompt builders, in the seed's style.

Every prompt names the palette as hex codes, describes the energy, mood and focus, keeps the
brand's style words and asks for no lettering. All of them stay under
:data:`MAX_PROMPT_CHARS` (dall-e-2's limit, the smallest of the models we may call) whatever
the input, which ``tests/test_prompts.py`` checks on the longest inputs the schemas allow.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    GroupRequest,
    MoonRitualRequest,
)
from ..zodiac import Category, MoonPhase, Quality, Sign, sign_info
from .spec import PromptSpec, Visual

__all__ = [
    "ENERGY_DESCRIPTORS",
    "MAX_PROMPT_CHARS",
    "BuildContext",
    "DayProfile",
    "build_avatar",
    "build_compatibility",
    "build_daily_energy",
    "build_group",
    "build_moon_ritual",
    "default_day_profile",
    "mood_warmth",
]

MAX_PROMPT_CHARS = 1000

STYLE = "Style: Dreamy, mystical, cosmic, spiritual art; ethereal light, rich color, fine detail"
NO_TEXT = "No text, letters, numbers or written symbols anywhere in the image."

ENERGY_DESCRIPTORS: dict[int, str] = {
    1: "deeply restful and still",
    2: "calm and quiet",
    3: "gentle and soft",
    4: "soft and steady",
    5: "balanced and flowing",
    6: "warm and rising",
    7: "bright and lively",
    8: "vibrant and powerful",
    9: "radiant and surging",
    10: "explosive and electric",
}

_COMPATIBILITY_WORDS = (
    (90, "a rare cosmic union"),
    (75, "deeply harmonious"),
    (60, "warm and promising"),
    (40, "intriguing, with sparks and friction"),
    (0, "challenging, a meeting of opposites"),
)

_PHASE_MEANING: dict[MoonPhase, tuple[str, str]] = {
    MoonPhase.NEW_MOON: (
        "new beginnings, intention setting and planting seeds",
        "a dark new moon rimmed with faint silver light",
    ),
    MoonPhase.WAXING_CRESCENT: (
        "hope, first steps and gathering momentum",
        "a slender waxing crescent moon on the right",
    ),
    MoonPhase.FIRST_QUARTER: ("courage, decisions and action", "a half moon lit on its right side"),
    MoonPhase.WAXING_GIBBOUS: (
        "refinement, patience and trust in the process",
        "a nearly full waxing gibbous moon",
    ),
    MoonPhase.FULL_MOON: (
        "culmination, release and gratitude",
        "a luminous full moon in perfect radiance",
    ),
    MoonPhase.WANING_GIBBOUS: (
        "sharing wisdom and giving thanks",
        "a waning gibbous moon softly fading on its right",
    ),
    MoonPhase.LAST_QUARTER: (
        "letting go, forgiveness and clearing space",
        "a half moon lit on its left side",
    ),
    MoonPhase.WANING_CRESCENT: (
        "rest, surrender and quiet reflection",
        "a thin waning crescent moon on the left",
    ),
}

_MOON_PALETTE = ("#C0C8E0", "#2E3A87", "#F5F3E7")


@dataclass(frozen=True, slots=True)
class DayProfile:
    """Energy, mood and focus of a sign's shared daily image."""

    energy_level: int
    mood: str
    focus: str
    note: str = ""


def default_day_profile(sign: Sign, day: dt.date) -> DayProfile:
    """The sign's shared-image profile: its own keywords at a steady, bright energy."""
    info = sign_info(sign)
    return DayProfile(energy_level=7, mood=info.keywords[0], focus="the day ahead")


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a builder may know besides the request.

    ``today`` is the business day (used when a request has no date), ``quality`` the quality
    the user's tier asks for, ``day_profile`` the rule for a sign's shared daily image, and
    ``timezone`` the business time zone (IANA name) in which dates are read.
    """

    today: dt.date
    quality: Quality
    day_profile: Callable[[Sign, dt.date], DayProfile] = field(default=default_day_profile)
    timezone: str = "UTC"


# Words a mood may use, and how warm (towards 1) or cool (towards -1) they paint it.
# fmt: off
_WARMTH = {
    "bold": 0.6, "fiery": 0.8, "passionate": 0.8, "energetic": 0.6, "excited": 0.6,
    "joyful": 0.5, "happy": 0.4, "confident": 0.4, "radiant": 0.6, "inspired": 0.45,
    "in flow": 0.25, "pioneering": 0.5, "generous": 0.4, "playful": 0.35, "loving": 0.45,
    "sensual": 0.35, "adventurous": 0.5, "warm": 0.6, "creative": 0.3, "determined": 0.3,
    "grounded": 0.15, "steady": 0.0, "curious": 0.1, "witty": 0.1, "balanced": 0.0,
    "reflective": -0.45, "calm": -0.5, "peaceful": -0.45, "serene": -0.5, "dreamy": -0.4,
    "intuitive": -0.35, "nurturing": -0.15, "melancholy": -0.7, "sad": -0.6, "tired": -0.4,
    "introspective": -0.5, "mysterious": -0.45, "cool": -0.5, "detached": -0.4,
    "thoughtful": -0.3, "anxious": -0.3, "compassionate": -0.2, "airy": -0.2,
}
# fmt: on


def mood_warmth(mood: str | None) -> float:
    """-1 (cool) .. 1 (warm): the first whole word or phrase of ``mood`` a small lexicon
    knows ("unhappy" is not "happy"); 0 when it knows none."""
    if not mood:
        return 0.0
    hits = [
        (found.start(), value)
        for word, value in _WARMTH.items()
        if (found := re.search(rf"\b{re.escape(word)}\b", mood, re.IGNORECASE))
    ]
    return min(hits)[1] if hits else 0.0


def _intensity(level: int) -> float:
    return (level - 1) / 9


def build_daily_energy(request: DailyEnergyRequest, ctx: BuildContext) -> PromptSpec:
    info = sign_info(request.sign)
    day = request.date or ctx.today
    shared = not request.personalized
    profile = ctx.day_profile(request.sign, day)
    if shared:
        level, mood, focus = profile.energy_level, profile.mood, profile.focus
        identity: dict[str, object] = {"sign": info.sign.value, "date": day.isoformat()}
        quality = Quality.STANDARD
    else:
        level = request.energy_level if request.energy_level is not None else profile.energy_level
        mood = request.mood or profile.mood
        focus = request.focus or profile.focus
        identity = {
            "sign": info.sign.value,
            "date": day.isoformat(),
            "energyLevel": level,
            "mood": mood,
            "focus": focus,
        }
        quality = ctx.quality
    lines = [
        f"Ethereal cosmic energy visualization representing {info.name} energy on "
        f"{day.isoformat()}.",
        f"Energy level: {level}/10 ({ENERGY_DESCRIPTORS[level]})",
        f"Primary color palette: {', '.join(info.palette)}",
        f"Mood: {mood}",
        f"Focus area: {focus}",
    ]
    if profile.note:
        lines.append(f"Sky: {profile.note}")
    lines += [
        "",
        STYLE,
        f"Visual elements: Swirling galaxies, stardust, constellation patterns, the {info.name} "
        f"constellation glowing, {info.element.value} element energy",
        NO_TEXT,
    ]
    return PromptSpec(
        category=Category.DAILY_ENERGY.value,
        prompt="\n".join(lines),
        quality=quality,
        visual=Visual(
            motif="energy",
            palettes=(info.palette,),
            signs=(info.sign,),
            intensity=_intensity(level),
            warmth=mood_warmth(mood),
        ),
        description=f"Your cosmic energy visualization for {day.isoformat()}"
        if not shared
        else f"The shared {info.name} energy for {day.isoformat()}",
        identity=identity,
        shared=shared,
    )


def build_avatar(request: AvatarRequest, ctx: BuildContext) -> PromptSpec:
    sun, moon, rising = (sign_info(s) for s in request.signs)
    lines = [
        f"Mystical zodiac avatar portrait for a {sun.name} sun, {moon.name} moon and "
        f"{rising.name} rising.",
        f"Core identity ({sun.name} sun): {', '.join(sun.keywords)}; colors "
        f"{', '.join(sun.palette)}",
        f"Emotional nature ({moon.name} moon): {', '.join(moon.keywords)}; accents "
        f"{', '.join(moon.palette[:2])}",
        f"Outer expression ({rising.name} rising): {', '.join(rising.keywords)}",
    ]
    if request.traits:
        lines.append(f"Personality traits: {', '.join(request.traits)}")
    lines += [
        f"Variation: {request.version}",
        "",
        STYLE + "; a serene, symbolic figure, not a photograph of a real person",
        f"Visual elements: a celestial silhouette haloed by the {sun.name} constellation, "
        f"a crescent of {moon.element.value} light, stardust aura",
        NO_TEXT,
    ]
    # The picture depends on the signs, not on the birth data they came from (which is
    # personal, and is neither stored nor part of the cache key).
    identity = {
        "sunSign": sun.sign.value,
        "moonSign": moon.sign.value,
        "risingSign": rising.sign.value,
        "traits": list(request.traits),
        "version": request.version,
    }
    return PromptSpec(
        category=Category.AVATAR.value,
        prompt="\n".join(lines),
        quality=ctx.quality,
        visual=Visual(
            motif="avatar",
            palettes=(sun.palette, moon.palette, rising.palette),
            signs=(sun.sign, moon.sign, rising.sign),
            intensity=0.6,
        ),
        description=f"Your personalized {sun.name} avatar",
        identity=identity,
    )


def _compatibility_words(score: int) -> str:
    return next(words for floor, words in _COMPATIBILITY_WORDS if score >= floor)


def build_compatibility(request: CompatibilityRequest, ctx: BuildContext) -> PromptSpec:
    a, b = sign_info(request.user1.sign), sign_info(request.user2.sign)
    score = request.compatibility_score
    lines = [
        f"Romantic cosmic artwork of two zodiac energies merging: {a.name} "
        f"({a.element.value}) and {b.name} ({b.element.value}).",
        f"Compatibility: {score}/100 ({_compatibility_words(score)})",
        f"{a.name} palette: {', '.join(a.palette)}",
        f"{b.name} palette: {', '.join(b.palette)}",
        "",
        STYLE,
        f"Visual elements: two luminous nebulae flowing into each other, the {a.name} and "
        f"{b.name} constellations facing each other, their colors blending where they meet",
        NO_TEXT,
    ]
    identity = {
        "user1": a.sign.value,
        "user2": b.sign.value,
        "compatibilityScore": score,
    }
    return PromptSpec(
        category=Category.COMPATIBILITY.value,
        prompt="\n".join(lines),
        quality=ctx.quality,
        visual=Visual(
            motif="compatibility",
            palettes=(a.palette, b.palette),
            signs=(a.sign, b.sign),
            intensity=0.55,
            blend=score / 100,
        ),
        description=f"{a.name} and {b.name}: {score}% cosmic compatibility",
        identity=identity,
        aspect="landscape",  # two figures side by side
    )


def build_group(request: GroupRequest, ctx: BuildContext) -> PromptSpec:
    """One artwork for 3 to 6 signs that blends every palette; keyed by the sorted signs."""
    infos = [sign_info(sign) for sign in sorted(request.signs, key=list(Sign).index)]
    names = ", ".join(i.name for i in infos[:-1]) + f" and {infos[-1].name}"
    elements = sorted({i.element.value for i in infos})
    lines = [
        f"Cosmic artwork of a group's energies in harmony: {names} ({', '.join(elements)}).",
        f"Group compatibility: {request.score}/100 ({_compatibility_words(request.score)})",
        *(f"{i.name} palette: {', '.join(i.palette)}" for i in infos),
        "",
        STYLE,
        "Visual elements: a ring of luminous nebulae, one per sign with its constellation, "
        "joined by threads of light that blend every palette at the centre",
        NO_TEXT,
    ]
    return PromptSpec(
        category=Category.GROUP.value,
        prompt="\n".join(lines),
        quality=ctx.quality,
        visual=Visual(
            motif="group",
            palettes=tuple(i.palette for i in infos),
            signs=tuple(i.sign for i in infos),
            intensity=0.55,
            blend=request.score / 100,
        ),
        description=f"{names}: {request.score}% group harmony",
        identity={"signs": [i.sign.value for i in infos], "score": request.score},
        aspect="square",
    )


def build_moon_ritual(request: MoonRitualRequest, ctx: BuildContext) -> PromptSpec:
    identity: dict[str, object]
    if request.date is not None:
        from ..astro import moon_phase  # ephem loads only when a date is given

        sky = moon_phase(request.date, ctx.timezone)
        phase, moon_sign = sky.phase, sign_info(sky.moon.sign)
        elongation = sky.elongation  # the day's own moon, not its phase's middle
        title = (
            f"the {phase.label} in {moon_sign.name} on {request.date.isoformat()}, "
            f"{sky.illumination:.0%} illuminated"
        )
        identity = {
            "phase": phase.value,
            "date": request.date.isoformat(),
            "moonSign": moon_sign.sign.value,
        }
        description = f"Your {phase.label} in {moon_sign.name} ritual guide"
    else:
        assert request.phase is not None  # the request model requires one of the two
        phase, title = request.phase, f"the {request.phase.label}"
        elongation = phase.elongation
        identity = {"phase": phase.value}
        description = f"Your {phase.label} ritual guide"
    meaning, moon_words = _PHASE_MEANING[phase]
    lines = [
        f"Sacred moon ritual guide artwork for {title}.",
        f"Phase meaning: {meaning}",
        f"Color palette: {', '.join(_MOON_PALETTE)}",
        "",
        STYLE,
        f"Visual elements: {moon_words}, a circle of candles and crystals beneath it, "
        "soft mist, sacred geometry, stars reflected in still water",
        NO_TEXT,
    ]
    return PromptSpec(
        category=Category.MOON_RITUAL.value,
        prompt="\n".join(lines),
        quality=ctx.quality,
        visual=Visual(
            motif="moon",
            palettes=(_MOON_PALETTE,),
            intensity=0.5,
            moon_phase=phase,
            moon_elongation=elongation,
        ),
        description=description,
        identity=identity,
        aspect="portrait",  # the moon above, the ritual below
    )
