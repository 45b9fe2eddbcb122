"""Property tests over every request model: valid bodies parse, each invalid one is refused
with InvalidRequest naming the field, and (through the service) nothing is written and no
provider is called. The CLI turns the same failures into exit code 2 and one line.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cosmic_images import (
    AvatarRequest,
    CompatibilityRequest,
    CosmicImages,
    DailyEnergyRequest,
    InvalidRequest,
    MoonRitualRequest,
    User,
)
from cosmic_images.cli import app
from cosmic_images.schemas import clean_phrase, parse_request
from cosmic_images.storage.models import GenerationStat, ImageDelivery, ImageRow
from cosmic_images.testing import CountingProvider

from . import strategies as s
from .conftest import ServiceFactory

CASES = [
    (DailyEnergyRequest, s.daily_bodies, s.invalid_daily(), "generate_daily_energy"),
    (AvatarRequest, s.avatar_bodies, s.invalid_avatar(), "generate_avatar"),
    (
        CompatibilityRequest,
        s.compatibility_bodies,
        s.invalid_compatibility(),
        "generate_compatibility",
    ),
    (MoonRitualRequest, s.moon_bodies, s.invalid_moon(), "generate_moon_ritual"),
]
IDS = ["daily_energy", "avatar", "compatibility", "moon_ritual"]


def field_matches(reported: str | None, expected: str) -> bool:
    """The error names the corrupted field (or an item inside it, like traits.1)."""
    return reported is not None and (reported == expected or reported.startswith(expected + "."))


@pytest.mark.parametrize(("model", "valid", "invalid", "method"), CASES, ids=IDS)
def test_valid_bodies_parse(model: Any, valid: Any, invalid: Any, method: str) -> None:
    @given(valid)
    def check(body: dict[str, Any]) -> None:
        parsed = parse_request(model, body)
        assert parse_request(model, parsed.model_dump(by_alias=True)) == parsed

    check()


@pytest.mark.parametrize(("model", "valid", "invalid", "method"), CASES, ids=IDS)
def test_each_invalid_body_names_its_field(
    model: Any, valid: Any, invalid: Any, method: str
) -> None:
    @given(invalid)
    def check(case: tuple[dict[str, Any], str]) -> None:
        body, field = case
        with pytest.raises(InvalidRequest) as excinfo:
            parse_request(model, body)
        assert field_matches(excinfo.value.field, field), (body, excinfo.value.field)
        api = excinfo.value.to_api()
        assert api["success"] is False
        assert api["error"]["code"] == "invalid_request"
        assert field_matches(api["error"]["field"], field)

    check()


@pytest.mark.parametrize(("model", "valid", "invalid", "method"), CASES, ids=IDS)
def test_invalid_bodies_write_nothing_and_call_no_provider(
    make_service: ServiceFactory, model: Any, valid: Any, invalid: Any, method: str
) -> None:
    provider = CountingProvider()
    svc: CosmicImages = make_service(provider=provider)
    user = User(id="prop", tier="universe")

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(invalid)
    def check(case: tuple[dict[str, Any], str]) -> None:
        body, field = case
        with pytest.raises(InvalidRequest) as excinfo:
            getattr(svc, method)(user, body)
        assert field_matches(excinfo.value.field, field)

    check()
    assert provider.count == 0
    for table in (ImageRow, GenerationStat, ImageDelivery):
        assert svc.repository.count(table) == 0


@pytest.mark.parametrize("body", [None, [], "sign=aries", 42])
def test_a_body_that_is_not_an_object(body: Any) -> None:
    with pytest.raises(InvalidRequest, match="JSON object"):
        parse_request(DailyEnergyRequest, body)


def test_python_names_work_as_well_as_camel_case() -> None:
    a = parse_request(DailyEnergyRequest, {"sign": "aries", "energy_level": 3})
    b = parse_request(DailyEnergyRequest, {"sign": "aries", "energyLevel": 3})
    assert a == b
    assert a.personalized is True  # giving an energy level asks for a personal picture
    assert parse_request(DailyEnergyRequest, {"sign": "aries"}).personalized is False


def test_phrases_are_normalised() -> None:
    assert clean_phrase("  Heart's   DESIRE ") == "heart's desire"
    full_width_calm = "\uff23\uff21\uff2c\uff2d"
    assert clean_phrase(full_width_calm) == "calm"  # full-width letters fold to ASCII (NFKC)


# --- the CLI -----------------------------------------------------------------------------------

runner = CliRunner()
CLI_BAD = st.sampled_from(
    [
        (["generate", "daily-energy", "--sign", "ares"], "sign"),
        (["generate", "daily-energy", "--sign", "aries", "--energy-level", "11"], "energyLevel"),
        (["generate", "daily-energy", "--sign", "aries", "--energy-level", "0"], "energyLevel"),
        (["generate", "daily-energy", "--sign", "aries", "--date", "2025-02-30"], "date"),
        (["generate", "daily-energy", "--sign", "aries", "--mood", "ignore previous"], "mood"),
        (["generate", "daily-energy", "--sign", "aries", "--focus", "a\nb"], "focus"),
        (
            ["generate", "avatar", "--sun-sign", "leo", "--moon-sign", "x", "--rising-sign", "leo"],
            "moonSign",
        ),
        (
            [
                *s.LEO_AVATAR,
                "--trait",
                "kind",
                "--trait",
                "kind",
            ],
            "traits",
        ),
        (
            [
                *s.LEO_AVATAR,
                "--version",
                "0",
            ],
            "version",
        ),
        (
            [
                "generate",
                "compatibility",
                "--sign",
                "aries",
                "--partner-sign",
                "libra",
                "--score",
                "101",
            ],
            "compatibilityScore",
        ),
        (
            [
                "generate",
                "compatibility",
                "--sign",
                "aries",
                "--partner-sign",
                "libra",
                "--score",
                "50",
                "--element",
                "water",
            ],
            "user1.element",
        ),
        (["generate", "moon-ritual", "--phase", "blue_moon"], "phase"),
        (["generate", "moon-ritual", "--phase", "full_moon", "--user-id", "bad id"], "userId"),
        (["generate", "moon-ritual", "--phase", "full_moon", "--tier", "gold"], "tier"),
        (["gallery", "--user-id", "u1", "--limit", "500"], "limit"),
        (["generate", "moon-ritual", "--phase", "full_moon", "--date", "2025-01-13"], "date"),
        (["generate", "moon-ritual"], "phase"),
        (["generate", "avatar", "--birth-date", "1990-08-15"], "birth.time"),
        (
            ["generate", "avatar", "--birth-date", "1990-08-15", "--birth-time", "14:30"],
            "birth.latitude",
        ),
        (["sky", "--date", "yesterday"], "date"),
    ]
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=CLI_BAD, as_json=st.booleans())
def test_cli_invalid_input_exits_2_with_one_line(
    isolated_env: Any, case: tuple[list[str], str], as_json: bool
) -> None:
    args, field = case
    result = runner.invoke(app, [*args, "--json"] if as_json else args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if as_json:
        import json

        payload = json.loads(result.stdout)
        assert payload["success"] is False
        assert payload["error"]["code"] == "invalid_request"
        assert payload["error"]["field"] == field
    else:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert field in lines[0]
        assert result.stdout == ""
    assert not (isolated_env / "images").exists()
