"""The day's sky drives the shared daily images; moon rituals by date; avatars by birth data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cosmic_images import CosmicImages, InvalidRequest, User
from cosmic_images.cli import app
from cosmic_images.schemas import AvatarRequest, MoonRitualRequest, parse_request
from cosmic_images.sky import PHASE_ENERGY, day_sky, sky_day_profile
from cosmic_images.storage.models import ImageRow
from cosmic_images.testing import CountingProvider
from cosmic_images.zodiac import Element, MoonPhase, Sign, sign_info

from .conftest import ServiceFactory

UNIVERSE = User(id="sky-user", tier="universe")
LONDON_1990 = {
    "date": "1990-08-15",
    "time": "15:30",
    "timezone": "Europe/London",
    "latitude": 51.5,
    "longitude": -0.13,
}  # 14:30 UTC (British Summer Time)


def test_full_moon_in_cancer_energies() -> None:
    sky = day_sky(dt.date(2025, 1, 13), "America/New_York")
    assert (sky.moon.phase, sky.moon.moon.sign, sky.sun.sign) == (
        MoonPhase.FULL_MOON,
        Sign.CANCER,
        Sign.CAPRICORN,
    )
    base = PHASE_ENERGY[MoonPhase.FULL_MOON]
    expected = {
        Sign.CANCER: (10, "in flow"),  # 9 + 2 same element + 1 moon in sign, capped at 10
        Sign.SCORPIO: (10, "in flow"),  # 9 + 2 (capped)
        Sign.TAURUS: (10, "inspired"),  # 9 + 1 supporting
        Sign.GEMINI: (9, "steady"),  # air with water: neutral
        Sign.ARIES: (8, "reflective"),  # fire with water: challenging
    }
    for sign, (level, mood) in expected.items():
        profile = sky.energy(sign).profile
        assert (profile.energy_level, profile.mood) == (level, mood), sign
        assert profile.focus == "release and celebration"
    assert base == 9
    assert sky.note == "Full Moon in Cancer, 100% illuminated"


def test_relations_follow_the_elements() -> None:
    sky = day_sky(dt.date(2025, 1, 29), "UTC")  # new moon in Aquarius (air)
    assert sky.moon.moon.sign is Sign.AQUARIUS
    for entry in sky.signs:
        element = sign_info(entry.sign).element
        expected = {
            Element.AIR: "same",
            Element.FIRE: "supporting",
            Element.EARTH: "challenging",
            Element.WATER: "neutral",
        }[element]
        assert entry.relation == expected


def test_the_twelve_shared_images_change_with_the_sky() -> None:
    profile = sky_day_profile("America/New_York")
    days = [dt.date(2025, 1, 13) + dt.timedelta(days=i) for i in range(8)]
    per_day = [tuple(profile(sign, day) for sign in Sign) for day in days]
    assert len(set(per_day)) == len(days)
    assert profile(Sign.LEO, days[0]) == profile(Sign.LEO, days[0])  # deterministic


def test_shared_prompts_name_the_phase_and_the_moons_sign(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    svc: CosmicImages = make_service()
    result = svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "date": "2025-01-13"})
    assert "Sky: Full Moon in Cancer, 100% illuminated" in result.prompt
    assert "Energy level: 8/10" in result.prompt  # fire under a water moon
    assert "Mood: reflective" in result.prompt
    other_day = svc.generate_daily_energy(UNIVERSE, {"sign": "leo", "date": "2025-01-29"})
    assert "Sky: New Moon in Aquarius" in other_day.prompt
    assert provider.count == 2


def test_moon_ritual_by_date_uses_the_business_time_zone(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    # First quarter at 23:56 UTC on 2025-01-06: the 6th in New York, the 7th in Tokyo.
    new_york = make_service(timezone="America/New_York")
    tokyo = make_service(timezone="Asia/Tokyo", data_dir=tmp_path / "tokyo")
    ny = new_york.generate_moon_ritual(UNIVERSE, {"date": "2025-01-06"})
    tk = tokyo.generate_moon_ritual(UNIVERSE, {"date": "2025-01-06"})
    assert ny.description == "Your First Quarter in Aries ritual guide"
    assert tk.description.startswith("Your Waxing Crescent in")
    assert "on 2025-01-06" in ny.prompt
    assert ny.metadata["identity"]["phase"] == "first_quarter"


def test_moon_ritual_needs_exactly_one_of_phase_or_date() -> None:
    for body, field in [({}, "phase"), ({"phase": "full_moon", "date": "2025-01-13"}, "date")]:
        with pytest.raises(InvalidRequest) as excinfo:
            parse_request(MoonRitualRequest, body)
        assert excinfo.value.field == field


def test_avatar_from_birth_data() -> None:
    request = parse_request(AvatarRequest, {"birth": LONDON_1990, "traits": ["bold"]})
    assert request.signs == (Sign.LEO, Sign.GEMINI, Sign.SAGITTARIUS)


def test_explicit_signs_win_over_birth_data() -> None:
    request = parse_request(AvatarRequest, {"birth": {"date": "1990-08-15"}, "risingSign": "virgo"})
    assert request.signs == (Sign.LEO, Sign.GEMINI, Sign.VIRGO)


@pytest.mark.parametrize(
    ("birth", "extra", "field", "message"),
    [
        ({"date": "1990-08-15"}, {}, "birth.time", "rising sign needs the birth time"),
        (
            {"date": "1990-08-15", "time": "14:30"},
            {},
            "birth.latitude",
            "rising sign needs the birth place",
        ),
        (
            {"date": "1990-02-18"},
            {"risingSign": "leo"},
            "birth.time",
            "the Sun moved between aquarius and pisces at 22:13 UTC",
        ),
        (
            {"date": "2025-01-14"},
            {"risingSign": "leo", "sunSign": "capricorn"},
            "birth.time",
            "the Moon moved from cancer into leo",
        ),
        ({"date": "1990-08-15", "latitude": 51.5}, {}, "birth.longitude", "both latitude"),
        ({"date": "1990-08-15", "time": "25:00"}, {}, "birth.time", "HH:MM"),
        ({"date": "1990-08-15", "timezone": "Mars/Base"}, {}, "birth.timezone", "unknown"),
        ({"date": "1990-08-15", "latitude": 91, "longitude": 0}, {}, "birth.latitude", "89"),
        ({"time": "10:00"}, {}, "birth.date", "required"),
        (None, {"sunSign": "leo", "moonSign": "leo"}, "risingSign", "required"),
    ],
)
def test_birth_data_errors_are_clear(
    birth: dict[str, Any] | None, extra: dict[str, Any], field: str, message: str
) -> None:
    body = {**extra, **({"birth": birth} if birth is not None else {})}
    with pytest.raises(InvalidRequest, match=message) as excinfo:
        parse_request(AvatarRequest, body)
    assert excinfo.value.field == field


def test_birth_data_is_neither_stored_nor_keyed(
    make_service: ServiceFactory, provider: CountingProvider
) -> None:
    svc: CosmicImages = make_service()
    by_birth = svc.generate_avatar(UNIVERSE, {"birth": LONDON_1990})
    by_signs = svc.generate_avatar(
        UNIVERSE, {"sunSign": "leo", "moonSign": "gemini", "risingSign": "sagittarius"}
    )
    assert by_signs.image_id == by_birth.image_id and by_signs.cached
    assert provider.count == 1
    with svc.repository.session() as session:
        stored = json.dumps(session.query(ImageRow).one().meta)
    assert "1990" not in stored and "51.5" not in stored


runner = CliRunner()


def test_cli_sky_json_and_table() -> None:
    result = runner.invoke(app, ["sky", "--date", "2025-01-13", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["data"]
    assert (data["moonPhase"], data["moonSign"], data["sunSign"]) == (
        "full_moon",
        "cancer",
        "capricorn",
    )
    assert data["illumination"] > 0.99
    assert data["principalPhaseAt"].startswith("2025-01-13T22:26")
    assert len(data["signs"]) == 12
    assert data["signs"][3] == {
        "sign": "cancer",
        "relation": "same",
        "energyLevel": 10,
        "mood": "in flow",
        "focus": "release and celebration",
    }
    table = runner.invoke(app, ["sky", "--date", "2025-01-13"])
    assert "Full Moon" in table.stdout and "Moon in Cancer" in table.stdout


def test_cli_sky_bad_date() -> None:
    result = runner.invoke(app, ["sky", "--date", "13/01/2025"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: date:")


def test_cli_moon_ritual_by_date_and_avatar_by_birth() -> None:
    moon = runner.invoke(app, ["generate", "moon-ritual", "--date", "2025-01-13", "--json"])
    assert moon.exit_code == 0, moon.output
    assert json.loads(moon.stdout)["data"]["description"] == "Your Full Moon in Cancer ritual guide"
    avatar = runner.invoke(
        app,
        [
            "generate",
            "avatar",
            "--birth-date",
            "1990-08-15",
            "--birth-time",
            "14:30",
            "--latitude",
            "51.5",
            "--longitude",
            "-0.13",
            "--json",
        ],
    )
    assert avatar.exit_code == 0, avatar.output
    assert json.loads(avatar.stdout)["data"]["description"] == "Your personalized Leo avatar"
    no_time = runner.invoke(app, ["generate", "avatar", "--birth-date", "1990-08-15"])
    assert no_time.exit_code == 2
    assert no_time.stderr.strip() == (
        "error: birth.time: the rising sign needs the birth time (or risingSign)"
    )
