"""The real sky: phases, sun signs and birth charts against published instants and JPL DE421.

Published instants are from the U.S. Naval Observatory, Astronomical Applications Department,
"Phases of the Moon" and "Earth's Seasons" tables (aa.usno.navy.mil/data), in UTC to the
minute; the Pisces ingresses are those quoted in the issue. The reference ephemeris is JPL
DE421 (shipped offline by the skyfield-data package) read through Skyfield: an independent
theory and code base from ephem's.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import itertools
import math
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cosmic_images.astro import (
    ascendant_longitude,
    birth_chart,
    ecliptic_longitude,
    moon_phase,
    sign_at,
    sun_sign,
)
from cosmic_images.zodiac import MoonPhase, Sign

UTC = dt.UTC

# (instant UTC, phase), USNO Phases of the Moon. At least ten quarters, across nine years.
PUBLISHED_PHASES = [
    ("2025-01-13 22:27", MoonPhase.FULL_MOON),
    ("2025-01-29 12:36", MoonPhase.NEW_MOON),
    ("2025-01-06 23:56", MoonPhase.FIRST_QUARTER),
    ("2025-01-21 20:31", MoonPhase.LAST_QUARTER),
    ("2025-02-05 08:02", MoonPhase.FIRST_QUARTER),
    ("2025-02-20 17:33", MoonPhase.LAST_QUARTER),
    ("2024-01-18 03:53", MoonPhase.FIRST_QUARTER),
    ("2024-02-02 23:18", MoonPhase.LAST_QUARTER),
    ("2023-01-28 15:19", MoonPhase.FIRST_QUARTER),
    ("2023-01-15 02:10", MoonPhase.LAST_QUARTER),
    ("2020-03-02 19:57", MoonPhase.FIRST_QUARTER),
    ("2019-01-27 21:10", MoonPhase.LAST_QUARTER),
    ("2018-01-24 22:20", MoonPhase.FIRST_QUARTER),
    ("2024-04-08 18:21", MoonPhase.NEW_MOON),
    ("2023-08-31 01:35", MoonPhase.FULL_MOON),
    ("2025-09-07 18:09", MoonPhase.FULL_MOON),
    ("2021-05-26 11:14", MoonPhase.FULL_MOON),
    ("2017-08-21 18:30", MoonPhase.NEW_MOON),
]

# (instant UTC, the sign the Sun enters): USNO Earth's Seasons, and the ingresses.
PUBLISHED_INGRESSES = [
    ("1990-02-18 22:14", Sign.PISCES),
    ("2028-02-19 03:26", Sign.PISCES),
    ("2000-03-20 07:35", Sign.ARIES),
    ("2023-03-20 21:24", Sign.ARIES),
    ("2024-03-20 03:06", Sign.ARIES),
    ("2024-06-20 20:51", Sign.CANCER),
    ("2024-09-22 12:44", Sign.LIBRA),
    ("2025-03-20 09:01", Sign.ARIES),
]

NEXT_PHASE = {
    MoonPhase.NEW_MOON: MoonPhase.WAXING_CRESCENT,
    MoonPhase.FIRST_QUARTER: MoonPhase.WAXING_GIBBOUS,
    MoonPhase.FULL_MOON: MoonPhase.WANING_GIBBOUS,
    MoonPhase.LAST_QUARTER: MoonPhase.WANING_CRESCENT,
}
PREVIOUS_PHASE = {
    MoonPhase.NEW_MOON: MoonPhase.WANING_CRESCENT,
    MoonPhase.FIRST_QUARTER: MoonPhase.WAXING_CRESCENT,
    MoonPhase.FULL_MOON: MoonPhase.WAXING_GIBBOUS,
    MoonPhase.LAST_QUARTER: MoonPhase.WANING_GIBBOUS,
}


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("published", "phase"), PUBLISHED_PHASES)
def test_principal_phase_is_named_on_its_day_and_the_days_around_follow(
    published: str, phase: MoonPhase
) -> None:
    at = instant(published)
    day = moon_phase(at.date())
    assert day.phase is phase
    assert day.principal_instant is not None
    assert abs((day.principal_instant - at).total_seconds()) < 120
    assert moon_phase(at.date() - dt.timedelta(days=1)).phase is PREVIOUS_PHASE[phase]
    assert moon_phase(at.date() + dt.timedelta(days=1)).phase is NEXT_PHASE[phase]


def test_a_day_is_named_in_its_own_time_zone() -> None:
    # First quarter 2025-01-06 23:56 UTC: still the 6th in New York, already the 7th in Tokyo.
    assert moon_phase(dt.date(2025, 1, 6), "America/New_York").phase is MoonPhase.FIRST_QUARTER
    assert moon_phase(dt.date(2025, 1, 6), "Asia/Tokyo").phase is MoonPhase.WAXING_CRESCENT
    assert moon_phase(dt.date(2025, 1, 7), "Asia/Tokyo").phase is MoonPhase.FIRST_QUARTER
    at = dt.datetime(2025, 1, 7, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert moon_phase(at).phase is MoonPhase.FIRST_QUARTER


def test_illumination_and_age() -> None:
    full = moon_phase(instant("2025-01-13 22:27"))
    assert full.illumination > 0.99
    assert full.elongation == pytest.approx(180, abs=0.5)
    new = moon_phase(instant("2025-01-29 12:36"))
    assert new.illumination < 0.01
    assert new.age_days > 29 or new.age_days < 0.01
    assert moon_phase(instant("2025-01-31 12:36")).age_days == pytest.approx(2.0, abs=0.01)
    assert moon_phase(instant("2025-01-06 23:56")).illumination == pytest.approx(0.5, abs=0.01)


def test_every_day_of_a_year_has_one_of_eight_phases_in_order() -> None:
    order = list(MoonPhase)
    days = [moon_phase(dt.date(2025, 1, 1) + dt.timedelta(days=i)).phase for i in range(365)]
    principal = [p for p in days if p in NEXT_PHASE]
    assert 48 <= len(principal) <= 50  # 12-13 lunations of four instants each
    for before, after in itertools.pairwise(days):
        step = (order.index(after) - order.index(before)) % 8
        assert step in (0, 1), (before, after)


@pytest.mark.parametrize(("published", "sign"), PUBLISHED_INGRESSES)
def test_sun_sign_on_both_sides_of_an_ingress(published: str, sign: Sign) -> None:
    at = instant(published)
    before = list(Sign)[(list(Sign).index(sign) - 1) % 12]
    assert sun_sign(at - dt.timedelta(minutes=3)).sign is before
    assert sun_sign(at + dt.timedelta(minutes=3)).sign is sign
    day = sun_sign(at.date())
    assert day.cusp is True
    assert {day.sign, day.other_sign} == {before, sign}
    assert day.ingress is not None
    assert abs((day.ingress - at).total_seconds()) < 120


def test_dates_are_not_a_table() -> None:
    # Feb 19 is Pisces in 2028 from 03:26 UTC but was Aquarius for all of the day in 1990's
    # neighbour years' tables: the real answer depends on the year.
    assert sun_sign(dt.date(1990, 2, 19)).sign is Sign.PISCES
    assert sun_sign(dt.date(1990, 2, 19)).cusp is False
    assert sun_sign(dt.date(2028, 2, 18)).sign is Sign.AQUARIUS
    assert sun_sign(dt.date(2028, 2, 18)).cusp is False
    assert sun_sign(dt.date(2025, 8, 1)).sign is Sign.LEO


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sun_sign(dt.datetime(2025, 1, 1, 12))  # noqa: DTZ001
    with pytest.raises(ValueError, match="latitude"):
        ascendant_longitude(dt.datetime(2025, 1, 1, tzinfo=UTC), 90.0, 0.0)


# --- against JPL DE421 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def de421() -> Iterator[dict[str, Any]]:
    skyfield_api = pytest.importorskip("skyfield.api")
    framelib = pytest.importorskip("skyfield.framelib")
    pytest.importorskip("skyfield_data")
    folder = importlib.resources.files("skyfield_data") / "data"
    load = skyfield_api.Loader(str(folder), verbose=False)
    eph = load("de421.bsp")
    yield {
        "ts": load.timescale(builtin=True),
        "eph": eph,
        "api": skyfield_api,
        "ecliptic": framelib.ecliptic_frame,
    }
    eph.close()


def reference_longitude(ref: dict[str, Any], body: str, at: dt.datetime) -> float:
    t = ref["ts"].from_datetime(at)
    earth = ref["eph"]["earth"]
    _, lon, _ = earth.at(t).observe(ref["eph"][body]).apparent().frame_latlon(ref["ecliptic"])
    return float(lon.degrees) % 360


def reference_ascendant(ref: dict[str, Any], at: dt.datetime, lat: float, lon: float) -> float:
    """The ecliptic-of-date longitude crossing the eastern horizon, found by bisection."""
    t = ref["ts"].from_datetime(at)
    to_ecliptic = ref["ecliptic"].rotation_at(t)
    to_local = ref["api"].wgs84.latlon(lat, lon).rotation_at(t)

    def altitude_azimuth(lam: float) -> tuple[float, float]:
        direction = to_ecliptic.T.dot([math.cos(math.radians(lam)), math.sin(math.radians(lam)), 0])
        x, y, z = to_local.dot(direction)
        return math.degrees(math.asin(z)), math.degrees(math.atan2(y, x)) % 360

    # Along increasing longitude the ecliptic sets through the eastern horizon at the
    # ascendant (the degrees just before it have already risen) and rises at the descendant.
    for step in range(720):
        low, high = step / 2, step / 2 + 0.5
        if altitude_azimuth(low)[0] >= 0 > altitude_azimuth(high)[0]:
            if not 0 < altitude_azimuth(low)[1] < 180:
                continue
            for _ in range(40):
                middle = (low + high) / 2
                low, high = (middle, high) if altitude_azimuth(middle)[0] >= 0 else (low, middle)
            return low
    raise AssertionError("the ecliptic never crossed the eastern horizon")


def angle_between(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def test_birth_chart_london_1990(de421: dict[str, Any]) -> None:
    at = dt.datetime(1990, 8, 15, 14, 30, tzinfo=UTC)
    chart = birth_chart(at, 51.5, -0.13)
    assert (chart.sun.sign, chart.moon.sign, chart.rising.sign) == (
        Sign.LEO,
        Sign.GEMINI,
        Sign.SAGITTARIUS,
    )
    assert angle_between(chart.sun.longitude, reference_longitude(de421, "sun", at)) < 0.1
    assert angle_between(chart.moon.longitude, reference_longitude(de421, "moon", at)) < 0.1
    reference = reference_ascendant(de421, at, 51.5, -0.13)
    assert angle_between(chart.rising.longitude, reference) < 0.1
    assert chart.sun.degree == pytest.approx(chart.sun.longitude - 120)


@pytest.mark.parametrize(
    ("when", "lat", "lon"),
    [
        ("1955-02-24 00:15", 37.77, -122.42),
        ("1979-06-02 08:05", -33.87, 151.21),
        ("2001-11-30 17:45", 35.68, 139.69),
        ("2024-03-20 03:06", 64.13, -21.90),
        ("2031-07-04 12:00", -22.91, -43.17),
    ],
)
def test_positions_agree_with_de421_across_years_and_places(
    de421: dict[str, Any], when: str, lat: float, lon: float
) -> None:
    at = instant(when)
    for body in ("sun", "moon"):
        assert (
            angle_between(ecliptic_longitude(body, at), reference_longitude(de421, body, at)) < 0.05
        )
    assert (
        angle_between(ascendant_longitude(at, lat, lon), reference_ascendant(de421, at, lat, lon))
        < 0.1
    )


def test_sign_boundaries() -> None:
    assert sign_at(0.0) is Sign.ARIES
    assert sign_at(29.999) is Sign.ARIES
    assert sign_at(30.0) is Sign.TAURUS
    assert sign_at(359.99) is Sign.PISCES
    assert sign_at(-0.01) is Sign.PISCES
