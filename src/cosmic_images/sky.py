"""The day's sky, turned into each sign's energy, mood and focus for its shared daily image.

**The rule** (deterministic, from the Moon at local noon in the business time zone):

1. *Base energy from the phase*: new moon 3, waxing crescent 5, first quarter 7, waxing
   gibbous 8, full moon 9, waning gibbous 7, last quarter 5, waning crescent 4. The Moon's
   light builds to the full and ebbs after it.
2. *The Moon's element against the sign's element*: the same element +2 (the Moon moves
   through your element), a supporting element +1 (fire with air, earth with water), a
   challenging one -1 (fire with water, earth with air), the rest 0 (fire with earth, air with
   water). The Moon in the sign itself adds 1 more. The result is kept within 1..10.
3. *Mood* from that relation: same element "in flow", supporting "inspired", neutral
   "steady", challenging "reflective".
4. *Focus* from the phase: new moon "new intentions", waxing crescent "first steps", first
   quarter "decisive action", waxing gibbous "refining plans", full moon "release and
   celebration", waning gibbous "gratitude and sharing", last quarter "letting go", waning
   crescent "rest and renewal".

The prompt of every shared image names the phase and the Moon's sign ("Full Moon in Cancer,
100% illuminated"), so the twelve images change with the sky from day to day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .astro import MoonPhaseInfo, SunSignInfo, moon_phase, sun_sign
from .prompts.builders import DayProfile
from .zodiac import Element, MoonPhase, Sign, sign_info

__all__ = ["DaySky", "SignEnergy", "day_sky", "sky_day_profile"]

PHASE_ENERGY: dict[MoonPhase, int] = {
    MoonPhase.NEW_MOON: 3,
    MoonPhase.WAXING_CRESCENT: 5,
    MoonPhase.FIRST_QUARTER: 7,
    MoonPhase.WAXING_GIBBOUS: 8,
    MoonPhase.FULL_MOON: 9,
    MoonPhase.WANING_GIBBOUS: 7,
    MoonPhase.LAST_QUARTER: 5,
    MoonPhase.WANING_CRESCENT: 4,
}
PHASE_FOCUS: dict[MoonPhase, str] = {
    MoonPhase.NEW_MOON: "new intentions",
    MoonPhase.WAXING_CRESCENT: "first steps",
    MoonPhase.FIRST_QUARTER: "decisive action",
    MoonPhase.WAXING_GIBBOUS: "refining plans",
    MoonPhase.FULL_MOON: "release and celebration",
    MoonPhase.WANING_GIBBOUS: "gratitude and sharing",
    MoonPhase.LAST_QUARTER: "letting go",
    MoonPhase.WANING_CRESCENT: "rest and renewal",
}
_SUPPORTING = {frozenset({Element.FIRE, Element.AIR}), frozenset({Element.EARTH, Element.WATER})}
_CHALLENGING = {frozenset({Element.FIRE, Element.WATER}), frozenset({Element.EARTH, Element.AIR})}


@dataclass(frozen=True, slots=True)
class SignEnergy:
    sign: Sign
    relation: str  # same, supporting, neutral, challenging
    profile: DayProfile


@dataclass(frozen=True, slots=True)
class DaySky:
    day: dt.date
    moon: MoonPhaseInfo
    sun: SunSignInfo
    signs: tuple[SignEnergy, ...]

    @property
    def note(self) -> str:
        return (
            f"{self.moon.phase.label} in {self.moon.moon.sign.value.capitalize()}, "
            f"{self.moon.illumination:.0%} illuminated"
        )

    def energy(self, sign: Sign) -> SignEnergy:
        return self.signs[list(Sign).index(sign)]


def _relation(sign: Element, moon: Element) -> tuple[str, int, str]:
    if sign == moon:
        return "same", 2, "in flow"
    pair = frozenset({sign, moon})
    if pair in _SUPPORTING:
        return "supporting", 1, "inspired"
    if pair in _CHALLENGING:
        return "challenging", -1, "reflective"
    return "neutral", 0, "steady"


@lru_cache(maxsize=64)
def _day_sky(day: dt.date, zone_key: str) -> DaySky:
    moon = moon_phase(day, zone_key)
    sun = sun_sign(day, zone_key)
    moon_sign = moon.moon.sign
    moon_element = sign_info(moon_sign).element
    base = PHASE_ENERGY[moon.phase]
    focus = PHASE_FOCUS[moon.phase]
    note = (
        f"{moon.phase.label} in {moon_sign.value.capitalize()}, {moon.illumination:.0%} illuminated"
    )
    energies = []
    for sign in Sign:
        relation, bonus, mood = _relation(sign_info(sign).element, moon_element)
        level = min(10, max(1, base + bonus + (1 if sign == moon_sign else 0)))
        energies.append(SignEnergy(sign, relation, DayProfile(level, mood, focus, note)))
    return DaySky(day=day, moon=moon, sun=sun, signs=tuple(energies))


def day_sky(day: dt.date, tz: str = "UTC") -> DaySky:
    """The sky of ``day`` in the time zone ``tz`` and every sign's derived energy."""
    return _day_sky(day, tz)


def sky_day_profile(tz: str) -> Callable[[Sign, dt.date], DayProfile]:
    """The shared-image rule for the business time zone ``tz``, as a builder's ``day_profile``."""

    def profile(sign: Sign, day: dt.date) -> DayProfile:
        return _day_sky(day, tz).energy(sign).profile

    return profile
