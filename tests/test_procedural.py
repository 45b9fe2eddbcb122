"""The procedural provider: deterministic PNGs that visibly reflect the spec, composed per sign."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat

from cosmic_images.prompts import BuildContext, PromptSpec, Visual, default_prompt_registry
from cosmic_images.prompts.builders import mood_warmth
from cosmic_images.providers import ImageProvider, ProceduralProvider
from cosmic_images.providers._art import SIZE, figure_points, star_brightness
from cosmic_images.providers._constellations import CONSTELLATIONS
from cosmic_images.providers._motifs import (
    CAMEO_R,
    LAYOUTS,
    MOON_CENTRE,
    MOON_DIAMETER,
    WHEEL_BAND,
    WHEEL_R,
    Orbit,
    cameo_corners,
    moon_light,
    orbit_plan,
    wheel_angle,
)
from cosmic_images.providers.procedural import render
from cosmic_images.schemas import parse_request
from cosmic_images.zodiac import MoonPhase, Quality, Sign

CTX = BuildContext(today=dt.date(2025, 1, 23), quality=Quality.STANDARD)
PROVIDER = ProceduralProvider()
BEFORE = Path(__file__).parent / "data" / "procedural_v1"
SIGNS = [Sign.ARIES, Sign.TAURUS, Sign.GEMINI, Sign.CANCER, Sign.LEO, Sign.SCORPIO]


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
    assert (PROVIDER.name, PROVIDER.model) == ("procedural", "procedural-v2")


@pytest.mark.parametrize(
    ("category", "body"),
    [
        ("daily_energy", {"sign": "aries", "energyLevel": 8}),
        ("avatar", {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"}),
        (
            "compatibility",
            {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 60},
        ),
        ("group", {"signs": ["aries", "leo", "pisces", "virgo"], "score": 40}),
        ("moon_ritual", {"phase": "waxing_gibbous"}),
    ],
)
def test_same_spec_same_bytes_and_a_1024_png(category: str, body: dict[str, object]) -> None:
    s = spec(category, body)
    first, second = PROVIDER.generate(s), ProceduralProvider().generate(s)
    assert first.data == second.data
    assert first.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (first.width, first.height) == (1024, 1024)
    with Image.open(io.BytesIO(first.data)) as img:
        assert (img.format, img.size, img.mode) == ("PNG", (1024, 1024), "RGB")
    assert first.cost == 0


def test_signs_differ_visibly_and_carry_their_palette() -> None:
    aries = image("daily_energy", {"sign": "aries", "energyLevel": 6})
    pisces = image("daily_energy", {"sign": "pisces", "energyLevel": 6})
    assert difference(aries, pisces) > 15
    r, _, b = ImageStat.Stat(aries).mean
    assert r > b + 20  # aries: reds and oranges
    r, _, b = ImageStat.Stat(pisces).mean
    assert b > r  # pisces: sea green and lavender


def test_energy_level_is_intensity_and_density() -> None:
    calm = image("daily_energy", {"sign": "leo", "energyLevel": 1})
    wild = image("daily_energy", {"sign": "leo", "energyLevel": 10})
    assert difference(calm, wild) > 10
    assert (
        ImageStat.Stat(wild.convert("L")).mean[0] > ImageStat.Stat(calm.convert("L")).mean[0] + 10
    )
    # More stars: small bright points (a pixel well above its blurred surroundings).
    assert _points(wild) > 1.3 * _points(calm)


def _points(img: Image.Image) -> int:
    grey = np.asarray(img.convert("L"), np.int16)
    around = np.asarray(img.convert("L").reduce(4).resize(img.size), np.int16)
    return int(((grey - around) > 40).sum())


def test_a_warm_mood_is_warmer_than_a_cool_one() -> None:
    body = {"sign": "gemini", "energyLevel": 6, "focus": "work"}
    warm = ImageStat.Stat(image("daily_energy", {**body, "mood": "passionate"})).mean
    cool = ImageStat.Stat(image("daily_energy", {**body, "mood": "calm and reflective"})).mean
    assert warm[0] - warm[2] > cool[0] - cool[2] + 8


@pytest.mark.parametrize(
    ("mood", "warmth"),
    [
        ("passionate", 0.8),
        ("Calm", -0.5),
        ("calm but passionate", -0.5),  # the first word the lexicon knows decides
        ("unhappy", 0.0),  # whole words only
        ("lukewarm", 0.0),
        ("a warm, happy day", 0.6),
        ("in flow", 0.25),
        ("reflective", -0.45),
        ("zzz", 0.0),
        (None, 0.0),
        ("", 0.0),
    ],
)
def test_mood_warmth(mood: str | None, warmth: float) -> None:
    assert mood_warmth(mood) == warmth


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


def test_a_higher_score_draws_the_orbits_closer_and_brighter() -> None:
    def pair(score: int) -> Image.Image:
        return image(
            "compatibility",
            {"user1": {"sign": "leo"}, "user2": {"sign": "aquarius"}, "compatibilityScore": score},
        )

    low, high = pair(10), pair(95)
    middle = (312, 343, 712, 743)  # where the two meet

    def brightness(img: Image.Image) -> float:
        return float(ImageStat.Stat(img.convert("L").crop(middle)).mean[0])

    assert brightness(high) > brightness(low) + 20


def test_avatars_differ_by_every_sign() -> None:
    base: dict[str, object] = {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"}
    a = image("avatar", base)
    assert difference(a, image("avatar", {**base, "sunSign": "scorpio"})) > 15
    assert difference(a, image("avatar", {**base, "moonSign": "taurus"})) > 5
    assert difference(a, image("avatar", {**base, "risingSign": "aquarius"})) > 15
    # Moon and rising swapped is another person, and another medallion.
    swapped = image("avatar", {**base, "moonSign": "gemini", "risingSign": "pisces"})
    assert difference(a, swapped) > 10


# --- structure --------------------------------------------------------------------------------


def _body(category: str, sign: Sign) -> dict[str, object]:
    """The requests the stored procedural-v1 images were drawn from (see their README)."""
    signs = list(Sign)
    i = signs.index(sign)
    if category == "daily_energy":
        return {"sign": sign.value, "energyLevel": 6}
    if category == "avatar":
        return {
            "sunSign": sign.value,
            "moonSign": signs[(i + 4) % 12].value,
            "risingSign": signs[(i + 8) % 12].value,
        }
    if category == "compatibility":
        return {
            "user1": {"sign": sign.value},
            "user2": {"sign": signs[(i + 6) % 12].value},
            "compatibilityScore": 70,
        }
    return {
        "signs": [sign.value, signs[(i + 3) % 12].value, signs[(i + 6) % 12].value],
        "score": 70,
    }


def _grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L").resize((256, 256), Image.Resampling.BOX), np.float64)


def _blur(a: np.ndarray) -> np.ndarray:
    """An 11-tap Gaussian (sigma 1.5) along both axes, 'valid' part only."""
    x = np.arange(-5, 6)
    k = np.exp(-(x**2) / (2 * 1.5**2))
    k /= k.sum()
    rows = np.zeros((a.shape[0] - 10, a.shape[1]))
    for i in range(11):
        rows += k[i] * a[i : a.shape[0] - 10 + i, :]
    out = np.zeros((rows.shape[0], a.shape[1] - 10))
    for i in range(11):
        out += k[i] * rows[:, i : a.shape[1] - 10 + i]
    return out


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """The mean structural similarity (Wang et al. 2004) of two greyscale images, 0-255."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = _blur(a), _blur(b)
    va, vb = _blur(a * a) - ma * ma, _blur(b * b) - mb * mb
    cov = _blur(a * b) - ma * mb
    index = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(index.mean())


def test_ssim_is_one_for_the_same_picture_and_low_for_unrelated_ones() -> None:
    picture = _grey(image("daily_energy", {"sign": "virgo", "energyLevel": 4}))
    assert ssim(picture, picture) == pytest.approx(1.0)
    noise = np.random.default_rng(1).uniform(0, 255, picture.shape)
    assert ssim(picture, noise) < 0.1


def _mean_pairwise(pictures: list[np.ndarray]) -> float:
    return float(np.mean([ssim(a, b) for a, b in itertools.combinations(pictures, 2)]))


def test_two_signs_differ_in_structure_far_more_than_before() -> None:
    """Greyscale SSIM of every pair of six signs, per category, today against the stored
    procedural-v1 pictures of the same requests: each category well below, and all of them
    together below four fifths of before."""
    before_all, after_all = [], []
    for category in ("daily_energy", "avatar", "compatibility", "group"):
        before = [
            np.asarray(Image.open(BEFORE / f"{category}-{s.value}.png"), np.float64) for s in SIGNS
        ]
        after = [_grey(render(spec(category, _body(category, s)))) for s in SIGNS]
        was, now = _mean_pairwise(before), _mean_pairwise(after)
        assert now < 0.85 * was, (category, now, was)
        before_all.append(was)
        after_all.append(now)
    assert np.mean(after_all) < 0.8 * np.mean(before_all), (after_all, before_all)


@pytest.mark.parametrize("sign", list(Sign))
def test_each_sign_has_its_own_composition_and_whole_figure(sign: Sign) -> None:
    layout = LAYOUTS[sign]
    others = [LAYOUTS[s] for s in Sign if s != sign]
    assert all(
        math.dist(layout.focus, o.focus) > 0.01 or math.dist(layout.figure, o.figure) > 0.05
        for o in others
    )
    # Every star of the figure inside the picture, with room for its halo: nothing cut off.
    cx, cy, size = layout.figure
    for x, y in figure_points(sign, (cx * SIZE, cy * SIZE), size * SIZE, layout.tilt):
        assert 24 <= x <= SIZE - 24
        assert 24 <= y <= SIZE - 24
    brightness = star_brightness(sign)
    assert len(brightness) == len(CONSTELLATIONS[sign][0])
    assert brightness[0] == 1.0
    assert all(0.3 <= b < 1.0 for b in brightness[1:])


# --- the moon ---------------------------------------------------------------------------------

MOON = (round(MOON_CENTRE[0]), round(MOON_CENTRE[1]), MOON_DIAMETER // 2)  # x, y, radius


def _disc_halves(img: Image.Image) -> tuple[float, float]:
    """Brightness of the left and right halves of the moon disc."""
    x, y, _ = MOON
    gray = img.convert("L")
    left = ImageStat.Stat(gray.crop((x - 140, y - 100, x - 30, y + 100))).mean[0]
    right = ImageStat.Stat(gray.crop((x + 30, y - 100, x + 140, y + 100))).mean[0]
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
def test_moon_light_area_matches_the_illuminated_fraction(phase: MoonPhase) -> None:
    light = moon_light(400, phase.elongation)
    lit = float((light > 0.02).sum())
    expected = (1 - math.cos(math.radians(phase.elongation))) / 2
    assert lit / (math.pi * 200 * 200) == pytest.approx(expected, abs=0.03)


def test_the_lit_limb_is_bright_and_the_terminator_soft() -> None:
    light = moon_light(400, MoonPhase.FIRST_QUARTER.elongation)
    row = light[200]
    assert row[396] > 0.5  # the lit limb (right) does not fade to dark
    assert row[:190].max() == 0  # the night side
    ramp = row[200:215]  # the terminator: a few pixels of gradual light, not a cut
    assert 0 < ramp[2] < ramp[8] < ramp[14]


@pytest.mark.parametrize("phase", ["new_moon", "waxing_crescent", "last_quarter"])
def test_no_star_shows_through_the_moon(phase: str) -> None:
    """The dark part of the disc is smooth earthshine: no point of light on it, though the
    sky around it is full of stars."""
    img = image("moon_ritual", {"phase": phase})
    x, y, r = MOON
    dark_side = (x - r + 30, y - 60, x - 40, y + 60)  # waxing phases and new: the left is dark
    if phase == "last_quarter":
        dark_side = (x + 40, y - 60, x + r - 30, y + 60)
    sky = (40, 40, 300, 300)
    assert _points(img.crop(sky)) > 20
    assert _points(img.crop(dark_side)) == 0


def test_the_altar_follows_the_phase() -> None:
    altars = {
        phase: image("moon_ritual", {"phase": phase.value}).crop((0, 700, 1024, 1024))
        for phase in (MoonPhase.NEW_MOON, MoonPhase.FULL_MOON, MoonPhase.WAXING_GIBBOUS)
    }
    waning = image("moon_ritual", {"phase": "waning_gibbous"}).crop((0, 700, 1024, 1024))

    def warm_light(img: Image.Image) -> float:  # candle light: red well above blue
        r, _, b = (np.asarray(c, np.int16) for c in img.split())
        return float(((r - b) > 60).mean())

    assert warm_light(altars[MoonPhase.FULL_MOON]) > 2 * warm_light(altars[MoonPhase.NEW_MOON])
    # Gibbous before and after the full moon: as many candles, burnt down after it.
    assert difference(altars[MoonPhase.WAXING_GIBBOUS], waning) > 4


# --- geometry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("score", [0.0, 0.5, 1.0])
def test_orbits_stay_inside_the_frame_and_draw_together_with_the_score(
    n: int, score: float
) -> None:
    signs = [list(Sign)[(7 * k) % 12] for k in range(n)]
    orbits = orbit_plan(signs, score)
    assert len(orbits) == n
    for orbit in orbits:
        for x, y in orbit.points(360):
            assert 0 <= x < SIZE
            assert 0 <= y < SIZE
    far = orbit_plan(signs, 0.0)

    def spread(plan: list[Orbit]) -> float:  # mean distance between seats
        return float(
            np.mean([math.dist(a.seat, b.seat) for a, b in itertools.combinations(plan, 2)])
        )

    if score > 0:
        assert spread(orbits) < spread(far)


def test_a_couple_of_one_sign_is_mirrored_not_copied() -> None:
    left, right = orbit_plan([Sign.LEO, Sign.LEO], 0.5)
    assert left.tilt == -right.tilt != 0


def test_the_wheel_runs_anticlockwise_from_the_ascendant() -> None:
    assert wheel_angle(Sign.PISCES, Sign.PISCES) == pytest.approx(math.pi)  # 9 o'clock
    # The next sign is below the ascendant (8 o'clock: y grows downwards on screen).
    a = wheel_angle(Sign.ARIES, Sign.PISCES)
    assert math.cos(a) < 0 and math.sin(a) < 0
    assert a == pytest.approx(math.pi + math.pi / 6)
    # The sign opposite the rising sign is the descendant, at 3 o'clock.
    assert wheel_angle(Sign.VIRGO, Sign.PISCES) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("moon", list(Sign))
@pytest.mark.parametrize("rising", [Sign.ARIES, Sign.CANCER, Sign.LIBRA, Sign.CAPRICORN])
def test_cameos_sit_clear_of_the_wheel_and_the_frame(moon: Sign, rising: Sign) -> None:
    spots = cameo_corners(moon, rising)
    assert set(spots) == ({"rising"} if moon == rising else {"rising", "moon"})
    centre = (SIZE / 2, SIZE / 2)
    for x, y in spots.values():
        assert math.dist((x, y), centre) - CAMEO_R > WHEEL_R + WHEEL_BAND
        assert CAMEO_R <= x <= SIZE - CAMEO_R
        assert CAMEO_R <= y <= SIZE - CAMEO_R
    if moon != rising:
        assert math.dist(spots["moon"], spots["rising"]) > 2 * CAMEO_R


def test_a_visual_without_signs_draws_no_invented_figure() -> None:
    """A host's own category may give palettes and no signs: the picture is drawn with no
    constellation or glyph (none of aries', say), and an unknown motif still draws."""
    palette = ("#FF6B6B", "#FFA07A", "#FF4500")
    bare = PromptSpec(
        category="tarot",
        prompt="a tarot card",
        quality=Quality.STANDARD,
        visual=Visual(motif="tarot", palettes=(palette,)),
        description="",
        identity={"card": "the star"},
    )
    aries = PromptSpec(
        category="tarot",
        prompt="a tarot card",
        quality=Quality.STANDARD,
        visual=Visual(motif="tarot", palettes=(palette,), signs=(Sign.ARIES,)),
        description="",
        identity={"card": "the star"},
    )
    plain, figured = render(bare), render(aries)
    assert plain.size == (SIZE, SIZE)
    # Aries' emblem corner: its glyph ring and glyph only where aries was named.
    ex, ey, es = LAYOUTS[Sign.ARIES].emblem
    box = (
        round((ex - es) * SIZE),
        round((ey - es) * SIZE),
        round((ex + es) * SIZE),
        round((ey + es) * SIZE),
    )
    assert difference(plain.crop(box), figured.crop(box)) > 3
    couple = PromptSpec(
        category="pair",
        prompt="two",
        quality=Quality.STANDARD,
        visual=Visual(motif="compatibility", palettes=(palette, palette)),
        description="",
        identity={"pair": 1},
    )
    assert render(couple).size == (SIZE, SIZE)
