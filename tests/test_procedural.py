"""The procedural provider: deterministic PNGs that visibly reflect the spec."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from PIL import Image, ImageChops, ImageStat

from cosmic_images.prompts import BuildContext, PromptSpec, default_prompt_registry
from cosmic_images.providers import ImageProvider, ProceduralProvider
from cosmic_images.providers.procedural import moon_mask
from cosmic_images.schemas import parse_request
from cosmic_images.zodiac import MoonPhase, Quality

CTX = BuildContext(today=dt.date(2025, 1, 23), quality=Quality.STANDARD)
PROVIDER = ProceduralProvider()


def spec(category: str, body: dict[str, object]) -> PromptSpec:
    definition = default_prompt_registry().get(category)
    return definition.builder(parse_request(definition.request_model, body), CTX)


def image(category: str, body: dict[str, object]) -> Image.Image:
    data = PROVIDER.generate(spec(category, body)).data
    return Image.open(io.BytesIO(data)).convert("RGB")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0-255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_is_an_image_provider() -> None:
    assert isinstance(PROVIDER, ImageProvider)
    assert (PROVIDER.name, PROVIDER.model) == ("procedural", "procedural-v1")


def test_same_spec_same_bytes_and_a_1024_png() -> None:
    s = spec("daily_energy", {"sign": "aries", "energyLevel": 8})
    first, second = PROVIDER.generate(s), ProceduralProvider().generate(s)
    assert first.data == second.data
    assert first.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (first.width, first.height) == (1024, 1024)
    with Image.open(io.BytesIO(first.data)) as img:
        assert (img.format, img.size) == ("PNG", (1024, 1024))
    assert first.cost == 0


def test_signs_differ_visibly_and_carry_their_palette() -> None:
    aries = image("daily_energy", {"sign": "aries", "energyLevel": 6})
    pisces = image("daily_energy", {"sign": "pisces", "energyLevel": 6})
    assert difference(aries, pisces) > 15
    r, _, b = ImageStat.Stat(aries).mean
    assert r > b + 20  # aries: reds and oranges
    r, _, b = ImageStat.Stat(pisces).mean
    assert b > r  # pisces: sea green and lavender


def test_energy_level_is_intensity() -> None:
    calm = image("daily_energy", {"sign": "leo", "energyLevel": 1})
    wild = image("daily_energy", {"sign": "leo", "energyLevel": 10})
    assert difference(calm, wild) > 10
    assert (
        ImageStat.Stat(wild.convert("L")).mean[0] > ImageStat.Stat(calm.convert("L")).mean[0] + 10
    )


def test_pairs_differ_visibly() -> None:
    a = image(
        "compatibility",
        {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85},
    )
    b = image(
        "compatibility",
        {"user1": {"sign": "cancer"}, "user2": {"sign": "capricorn"}, "compatibilityScore": 85},
    )
    assert difference(a, b) > 15
    # Each partner's palette dominates its own half: aries (red) left, libra (pink-blue) right.
    left = ImageStat.Stat(a.crop((0, 0, 400, 1024))).mean
    right = ImageStat.Stat(a.crop((624, 0, 1024, 1024))).mean
    assert left[0] - left[2] > right[0] - right[2]


def test_avatars_differ_by_signs() -> None:
    a = image("avatar", {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"})
    b = image("avatar", {"sunSign": "scorpio", "moonSign": "taurus", "risingSign": "aquarius"})
    assert difference(a, b) > 15


def _disc_halves(img: Image.Image) -> tuple[float, float]:
    """Brightness of the left and right halves of the moon disc (centre 512,368; r 190)."""
    gray = img.convert("L")
    left = ImageStat.Stat(gray.crop((512 - 150, 368 - 120, 512 - 30, 368 + 120))).mean[0]
    right = ImageStat.Stat(gray.crop((512 + 30, 368 - 120, 512 + 150, 368 + 120))).mean[0]
    return left, right


def test_moon_disc_is_lit_on_the_side_of_the_phase() -> None:
    first = _disc_halves(image("moon_ritual", {"phase": "first_quarter"}))
    last = _disc_halves(image("moon_ritual", {"phase": "last_quarter"}))
    full = _disc_halves(image("moon_ritual", {"phase": "full_moon"}))
    new = _disc_halves(image("moon_ritual", {"phase": "new_moon"}))
    assert first[1] > first[0] + 60  # waxing: lit on the right
    assert last[0] > last[1] + 60  # waning: lit on the left
    assert min(full) > max(new) + 60


@pytest.mark.parametrize("phase", list(MoonPhase))
def test_moon_mask_area_matches_the_illuminated_fraction(phase: MoonPhase) -> None:
    mask = moon_mask(400, phase.elongation)
    disc = math.pi * 200 * 200
    lit = ImageStat.Stat(mask).sum[0] / 255
    expected = (1 - math.cos(math.radians(phase.elongation))) / 2
    assert lit / disc == pytest.approx(expected, abs=0.02)
