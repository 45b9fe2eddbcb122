"""The real sky, from astronomy (ephem: MIT licensed, no data files, works offline).

- :func:`moon_phase` names the Moon's phase for a day or an instant.
- :func:`sun_sign` finds the sign from the Sun's apparent ecliptic longitude (equinox of date),
  not from a table of dates, and says when a date is a cusp day.
- :func:`birth_chart` gives the sun, moon and rising (ascendant) signs with their degrees.

**Phase naming convention.** The four principal phases (new moon, first quarter, full moon,
last quarter) are instants. A calendar day, in the time zone given, is named after a principal
phase when that phase's instant falls within the day; every other day takes the in-between
phase it lies in (waxing crescent, waxing gibbous, waning gibbous, waning crescent), judged by
the Sun-Moon elongation at local noon. So each principal phase names exactly one day, the one
an almanac prints it on, and the days around it are crescents or gibbous. For an instant
(a datetime) the day is the one containing it.

All longitudes are geocentric, apparent, on the ecliptic and equinox of date, in degrees.
Naive datetimes are refused: pass a timezone-aware one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import ephem

from .zodiac import MoonPhase, Sign

__all__ = [
    "BirthChart",
    "MoonPhaseInfo",
    "Placement",
    "SunSignInfo",
    "ascendant_longitude",
    "birth_chart",
    "ecliptic_longitude",
    "moon_phase",
    "sign_at",
    "sun_sign",
]

_SIGNS = list(Sign)
_PRINCIPAL: tuple[tuple[MoonPhase, Callable[[ephem.Date], ephem.Date]], ...] = (
    (MoonPhase.NEW_MOON, ephem.next_new_moon),
    (MoonPhase.FIRST_QUARTER, ephem.next_first_quarter_moon),
    (MoonPhase.FULL_MOON, ephem.next_full_moon),
    (MoonPhase.LAST_QUARTER, ephem.next_last_quarter_moon),
)
_EPHEM_EPOCH = dt.datetime(1899, 12, 31, 12, tzinfo=dt.UTC)  # ephem.Date(0)


@dataclass(frozen=True, slots=True)
class Placement:
    """A point on the ecliptic: its sign and the degree within it (0 <= degree < 30)."""

    sign: Sign
    longitude: float

    @property
    def degree(self) -> float:
        return self.longitude % 30.0


@dataclass(frozen=True, slots=True)
class MoonPhaseInfo:
    phase: MoonPhase
    illumination: float  # illuminated fraction of the disc, 0..1
    age_days: float  # days since the last new moon
    elongation: float  # Sun-Moon angle along the ecliptic, 0 (new) .. 180 (full) .. 360
    moon: Placement
    day: dt.date
    principal_instant: dt.datetime | None  # the exact instant when the day holds one

    @property
    def waxing(self) -> bool:
        return self.elongation < 180.0


@dataclass(frozen=True, slots=True)
class SunSignInfo:
    """The Sun's sign. For a date, ``sign`` is the sign at local noon; on a cusp day the Sun
    changes sign at ``ingress`` and ``other_sign`` is the sign on the other side of it."""

    sign: Sign
    sun: Placement
    cusp: bool = False
    other_sign: Sign | None = None
    ingress: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class BirthChart:
    sun: Placement
    moon: Placement
    rising: Placement


def _zone(tz: dt.tzinfo | str | None) -> dt.tzinfo:
    if tz is None:
        return dt.UTC
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is needed (got a naive one)")
    return moment.astimezone(dt.UTC)


def _to_ephem(moment: dt.datetime) -> ephem.Date:
    return ephem.Date(_aware(moment).replace(tzinfo=None))


def _from_ephem(value: float) -> dt.datetime:
    return _EPHEM_EPOCH + dt.timedelta(days=float(value))


def sign_at(longitude: float) -> Sign:
    return _SIGNS[int(longitude % 360.0 // 30.0)]


def _placement(longitude: float) -> Placement:
    longitude %= 360.0
    return Placement(sign_at(longitude), longitude)


def ecliptic_longitude(body: str, moment: dt.datetime) -> float:
    """The apparent geocentric ecliptic longitude of ``"sun"`` or ``"moon"`` at ``moment``."""
    date = _to_ephem(moment)
    target = ephem.Sun() if body == "sun" else ephem.Moon() if body == "moon" else None
    if target is None:
        raise ValueError(f"unknown body {body!r}")
    target.compute(date)
    equatorial = ephem.Equatorial(target.g_ra, target.g_dec, epoch=date)
    return math.degrees(float(ephem.Ecliptic(equatorial, epoch=date).lon)) % 360.0


def _obliquity(date: ephem.Date) -> float:
    """The obliquity of the ecliptic of date, in radians: the declination of longitude 90."""
    return float(ephem.Equatorial(ephem.Ecliptic(math.pi / 2, 0.0, epoch=date), epoch=date).dec)


def ascendant_longitude(moment: dt.datetime, latitude: float, longitude: float) -> float:
    """The ecliptic longitude rising on the eastern horizon (geometric, no refraction)."""
    if not -89.0 <= latitude <= 89.0:
        raise ValueError("latitude must be within -89..89 degrees")
    if not -180.0 <= longitude <= 180.0:
        raise ValueError("longitude must be within -180..180 degrees")
    date = _to_ephem(moment)
    observer = ephem.Observer()
    observer.date = date
    observer.lat = math.radians(latitude)
    observer.lon = math.radians(longitude)
    ramc = float(observer.sidereal_time())  # local apparent sidereal time, radians
    eps = _obliquity(date)
    phi = math.radians(latitude)
    asc = math.atan2(
        math.cos(ramc), -(math.sin(ramc) * math.cos(eps) + math.tan(phi) * math.sin(eps))
    )
    return math.degrees(asc) % 360.0


def _local_day(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Start, noon and end (exclusive) of a calendar day in ``zone``, as UTC instants."""
    start = dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)
    noon = dt.datetime.combine(day, dt.time(12), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    return start, noon, end


def moon_phase(when: dt.date | dt.datetime, tz: dt.tzinfo | str | None = None) -> MoonPhaseInfo:
    """The Moon's phase on a day (in ``tz``, default UTC) or at an instant.

    For a date the illumination, age, elongation and moon sign are those at local noon; for a
    datetime, at that instant (its day is taken in ``tz``, or in its own time zone).
    """
    if isinstance(when, dt.datetime):
        moment = _aware(when)
        zone = _zone(tz) if tz is not None else when.tzinfo or dt.UTC
        day = moment.astimezone(zone).date()
        start, _noon, end = _local_day(day, zone)
    else:
        zone = _zone(tz)
        day = when
        start, moment, end = _local_day(day, zone)
    principal: dt.datetime | None = None
    phase: MoonPhase | None = None
    for kind, next_instant in _PRINCIPAL:
        instant = _from_ephem(next_instant(_to_ephem(start)))
        if instant < end:
            phase, principal = kind, instant
            break
    sun = ecliptic_longitude("sun", moment)
    moon = ecliptic_longitude("moon", moment)
    elongation = (moon - sun) % 360.0
    if phase is None:
        phase = (
            MoonPhase.WAXING_CRESCENT if elongation < 90 else
            MoonPhase.WAXING_GIBBOUS if elongation < 180 else
            MoonPhase.WANING_GIBBOUS if elongation < 270 else
            MoonPhase.WANING_CRESCENT
        )  # fmt: skip
    body = ephem.Moon()
    body.compute(_to_ephem(moment))
    age = float(_to_ephem(moment) - ephem.previous_new_moon(_to_ephem(moment)))
    return MoonPhaseInfo(
        phase=phase,
        illumination=float(body.moon_phase),
        age_days=age,
        elongation=elongation,
        moon=_placement(moon),
        day=day,
        principal_instant=principal,
    )


def _sun_ingress(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """The instant in [start, end) where the Sun's sign changes, to well under a second."""
    first = sign_at(ecliptic_longitude("sun", start))
    low, high = start, end
    while high - low > dt.timedelta(milliseconds=100):
        middle = low + (high - low) / 2
        if sign_at(ecliptic_longitude("sun", middle)) == first:
            low = middle
        else:
            high = middle
    return high


def sun_sign(when: dt.date | dt.datetime, tz: dt.tzinfo | str | None = None) -> SunSignInfo:
    """The Sun's sign at an instant, or on a day (in ``tz``, default UTC) with cusp details."""
    if isinstance(when, dt.datetime):
        return SunSignInfo(
            sign_at(ecliptic_longitude("sun", when)), _placement(ecliptic_longitude("sun", when))
        )
    start, noon, end = _local_day(when, _zone(tz))
    at_noon = _placement(ecliptic_longitude("sun", noon))
    first = sign_at(ecliptic_longitude("sun", start))
    last = sign_at(ecliptic_longitude("sun", end - dt.timedelta(microseconds=1)))
    if first == last:
        return SunSignInfo(at_noon.sign, at_noon)
    other = last if at_noon.sign == first else first
    return SunSignInfo(
        at_noon.sign, at_noon, cusp=True, other_sign=other, ingress=_sun_ingress(start, end)
    )


def birth_chart(moment: dt.datetime, latitude: float, longitude: float) -> BirthChart:
    """Sun, Moon and rising sign for a birth instant and place (north and east positive)."""
    return BirthChart(
        sun=_placement(ecliptic_longitude("sun", moment)),
        moon=_placement(ecliptic_longitude("moon", moment)),
        rising=_placement(ascendant_longitude(moment, latitude, longitude)),
    )
