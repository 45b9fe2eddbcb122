"""The compositions of the procedural artwork, one per motif.

* **energy** (daily energy): the sign's own composition (:data:`LAYOUTS`): a light at its
  focus, its element as the shape of the nebula and a foreground motif (flames and embers,
  waves, wind, a crystal cluster), its constellation drawn large and its glyph as a quiet
  emblem. The energy level is the light's strength, the nebula's density and the number of
  stars; the mood is the picture's warmth.
* **avatar**: a medallion like an astrolabe: the sun sign's nebula and constellation in the
  centre disc, the moon sign on the middle ring, the rising sign's wheel of the twelve glyphs
  turned so that it sits at the ascendant, the moon and rising constellations in two cameos.
* **compatibility** and **group**: each sign an orbit round its own star with its
  constellation; the orbits draw together and the light where they meet grows brighter with
  the score.
* **moon** (moon ritual): a lit sphere with its terminator and a bright limb in front of the
  sky (no star through it), its reflection on still water, and an altar that follows the
  phase: candles that grow towards the full moon and burn down after it, a crystal ring that
  fills with the light.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from ..prompts.spec import Visual
from ..zodiac import Element, Modality, MoonPhase, Sign, sign_info
from ._art import (
    LOW,
    RGB,
    SIZE,
    SPACE,
    WHITE,
    Field,
    Scene,
    colourise,
    constellation,
    emblem,
    enlarge,
    fade,
    fbm,
    glyph_mask,
    grid,
    mix,
    normalise,
    ramp,
    rgb,
    sample,
    scale,
    smoothstep,
    sparkle,
    star,
    starfield,
    unit,
    vivid,
)

__all__ = [
    "LAYOUTS",
    "MOON_CENTRE",
    "MOON_DIAMETER",
    "MOTIFS",
    "NEUTRAL",
    "Layout",
    "Orbit",
    "cameo_corners",
    "moon_light",
    "orbit_plan",
    "wheel_angle",
]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a sign's picture puts things, in unit coordinates: the light's ``focus``, the
    constellation's centre and size (``figure``) and turn (``tilt``, degrees), the glyph's
    ``emblem`` (centre and size) and the ``flow`` of its element (degrees, 0 to the right)."""

    focus: tuple[float, float]
    figure: tuple[float, float, float]
    tilt: float
    emblem: tuple[float, float, float]
    flow: float


LAYOUTS: dict[Sign, Layout] = {
    Sign.ARIES: Layout((0.30, 0.70), (0.60, 0.33, 0.62), -12, (0.82, 0.82, 0.15), 65),
    Sign.TAURUS: Layout((0.70, 0.64), (0.38, 0.36, 0.60), 8, (0.17, 0.83, 0.15), 0),
    Sign.GEMINI: Layout((0.50, 0.56), (0.52, 0.42, 0.64), 0, (0.83, 0.16, 0.14), 200),
    Sign.CANCER: Layout((0.24, 0.30), (0.60, 0.56, 0.55), 14, (0.17, 0.84, 0.15), 180),
    Sign.LEO: Layout((0.50, 0.36), (0.52, 0.64, 0.62), -6, (0.84, 0.15, 0.14), 90),
    Sign.VIRGO: Layout((0.74, 0.28), (0.38, 0.56, 0.62), -18, (0.16, 0.16, 0.14), 30),
    Sign.LIBRA: Layout((0.50, 0.68), (0.50, 0.32, 0.50), 0, (0.50, 0.86, 0.13), 0),
    Sign.SCORPIO: Layout((0.30, 0.44), (0.62, 0.50, 0.70), 10, (0.18, 0.83, 0.15), 160),
    Sign.SAGITTARIUS: Layout((0.74, 0.26), (0.40, 0.60, 0.62), -22, (0.16, 0.16, 0.14), 45),
    Sign.CAPRICORN: Layout((0.50, 0.24), (0.50, 0.60, 0.66), 4, (0.84, 0.84, 0.14), 270),
    Sign.AQUARIUS: Layout((0.28, 0.30), (0.58, 0.58, 0.64), -8, (0.82, 0.17, 0.14), 120),
    Sign.PISCES: Layout((0.66, 0.72), (0.44, 0.42, 0.66), 16, (0.84, 0.20, 0.14), 330),
}


# For a picture whose builder names no sign: the light in the middle, no figure of its own.
NEUTRAL = Layout((0.5, 0.52), (0.5, 0.45, 0.6), 0, (0.5, 0.5, 0.14), 30)


def tones(palette: tuple[str, str, str]) -> tuple[RGB, RGB, RGB]:
    """A palette's colours from darkest to lightest (by luma)."""
    colours = sorted(
        (rgb(c) for c in palette), key=lambda c: 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]
    )
    return colours[0], colours[1], colours[2]


def _nebula_ramp(palette: tuple[str, str, str]) -> npt.NDArray[np.float32]:
    dark, mid, light = (vivid(c, 0.45) for c in tones(palette))
    return ramp(
        [
            (0.0, (0, 0, 0)),
            (0.25, scale(dark, 0.30)),
            (0.50, scale(mid, 0.62)),
            (0.75, scale(light, 0.85)),
            (1.0, mix(light, WHITE, 0.55)),
        ]
    )


def _warm(sky: Field, warmth: float) -> Field:
    if not warmth:
        return sky
    k = np.array([1 + 0.14 * warmth, 1 + 0.02 * warmth, 1 - 0.16 * warmth], np.float32)
    return sky * k


def _background(palette: tuple[str, str, str], focus: tuple[float, float]) -> Field:
    """Deep space, a little of the palette's darkest colour gathered towards the focus."""
    u, v = grid(LOW)
    d = np.sqrt((u - focus[0]) ** 2 + (v - focus[1]) ** 2)
    near = enlarge(np.exp(-((d / 0.55) ** 2)).astype(np.float32), LOW)[..., None]
    space = unit(SPACE)
    deep = unit(mix(SPACE, tones(palette)[0], 0.28))
    out: Field = space + (deep - space) * near
    return out


def _dust(scene: Scene, clouds: Field) -> Field:
    """Broad veils of dust across the light (1 clear, lower behind dust), for depth."""
    noise = fbm(scene.gen, LOW, base=2, octaves=4)
    out: Field = 1 - 0.38 * smoothstep(0.55, 0.85, 0.75 * noise + 0.25 * clouds)
    return out


def _soft(field: Field) -> Field:
    """A field with its fine detail smoothed away (for bending shapes gently)."""
    k = field.shape[0] // 32
    coarse = field.reshape(32, k, 32, k).mean(axis=(1, 3)).astype(np.float32)
    return normalise(enlarge(coarse, field.shape[0]))


def _clouds(scene: Scene, *, base: int = 3) -> Field:
    """Soft, domain-warped clouds: a fractal noise read through another one."""
    u, v = grid(LOW)
    noise = fbm(scene.gen, LOW, base=base, octaves=6)
    warp = fbm(scene.gen, LOW, base=2, octaves=3)
    return enlarge(sample(noise, u + 0.35 * (warp - 0.5), v + 0.35 * (warp.T - 0.5)), LOW)


def _filaments(scene: Scene) -> Field:
    """Fine threads of gas (the ridges of a fine noise, bent by a coarser one), about 0.4..1.3:
    what gives a nebula its texture, multiplied into its density."""
    u, v = grid(LOW)
    fine = fbm(scene.gen, LOW, base=7, octaves=4)
    bend = fbm(scene.gen, LOW, base=2, octaves=2)
    ridges = 1 - np.abs(2 * sample(fine, u + 0.2 * (bend - 0.5), v + 0.2 * (bend.T - 0.5)) - 1)
    out: Field = 0.3 + 1.1 * ridges**4
    return out


# --- the four elements ----------------------------------------------------------------------


def _fire(scene: Scene, lay: Layout, clouds: Field) -> Field:
    """Flames rising round the focus: tongues of noise stretched upwards, swaying more and
    thinning out as they rise."""
    u, v = grid(LOW)
    fx, fy = lay.focus
    soft = _soft(clouds)
    bottom = min(1.0, fy + 0.32)
    t = np.clip((bottom - v) / 0.85, 0, 1)  # 0 at the flames' root, 1 at their tips
    x = u - fx + (soft - 0.5) * (0.08 + 0.4 * t)
    width = 0.36 * (1 - 0.7 * t) + 0.04
    envelope = np.exp(-((x / width) ** 2)) * smoothstep(0.0, 0.35, t)
    licks = sample(clouds, 1 - np.abs(((0.5 + x * 0.7) % 2) - 1), 0.25 + v * 0.3)
    tongues = smoothstep(0.35, 0.85, licks * (1.25 - 0.6 * t))
    flame = envelope * (0.25 + 0.75 * tongues) * (1 - smoothstep(0.55, 1.0, t))
    out: Field = np.maximum(flame, 0.4 * clouds * smoothstep(0.35, 0.95, clouds))
    return out


def _water(scene: Scene, lay: Layout, clouds: Field) -> Field:
    """Swells of light rolling across the picture, strongest on the focus's level."""
    u, v = grid(LOW)
    a = math.radians(lay.flow)
    along = u * math.cos(a) + v * math.sin(a)
    across = -u * math.sin(a) + v * math.cos(a)
    fy = -lay.focus[0] * math.sin(a) + lay.focus[1] * math.cos(a)
    soft = _soft(clouds)
    phase = across * 6.0 + 0.5 * np.sin(along * 2 * math.pi * 1.1 + 1.3) + 1.1 * (soft - 0.5)
    crests = (0.5 + 0.5 * np.cos(phase * 2 * math.pi)) ** 3
    band = np.exp(-(((across - fy) / 0.6) ** 2))
    swell = crests * (0.35 + 0.65 * clouds) * band
    out: Field = np.maximum(swell, 0.5 * clouds * band)
    return out


def _air(scene: Scene, lay: Layout, clouds: Field) -> Field:
    """Wind spiralling round the focus in long wisps."""
    u, v = grid(LOW)
    fx, fy = lay.focus
    dx, dy = u - fx, v - fy
    r = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx) + math.radians(lay.flow)
    arms = (0.5 + 0.5 * np.cos(3 * theta - 11 * r + 3.0 * (_soft(clouds) - 0.5))) ** 3
    reach = np.exp(-((r / 0.75) ** 2))
    out: Field = np.maximum(arms * reach * (0.4 + 0.6 * clouds), 0.45 * clouds * reach)
    return out


def _earth(scene: Scene, lay: Layout, clouds: Field) -> Field:
    """Crystal facets: a Voronoi mosaic round the focus, each facet its own shade, edges lit"""
    n = LOW
    u, v = grid(n)
    fx, fy = lay.focus
    count = 30
    gen = scene.gen
    sx = np.clip(fx + gen.normal(0, 0.22, count), 0.02, 0.98)
    sy = np.clip(fy + gen.normal(0, 0.22, count), 0.02, 0.98)
    shade = gen.random(count)
    best = np.full((n, n), np.inf, np.float32)
    second = best.copy()
    facet = np.zeros((n, n), np.float32)
    for k in range(count):  # the nearest seed and the second nearest (squared distances)
        d = (u - sx[k]) ** 2 + (v - sy[k]) ** 2
        closer = d < best
        second = np.where(closer, best, np.minimum(second, d))
        facet[closer] = shade[k]
        best = np.minimum(best, d)
    edges = 1 - smoothstep(0.0, 0.012, np.sqrt(second) - np.sqrt(best))
    r = np.sqrt((u - fx) ** 2 + (v - fy) ** 2)
    reach = np.exp(-((r / 0.62) ** 2))
    # Facet shades softened across their borders: enlarged, a hard step would show its pixels.
    shades = Image.fromarray((facet * 255).astype(np.uint8), "L").filter(
        ImageFilter.GaussianBlur(1.5)
    )
    soft_facet: Field = np.asarray(shades, np.float32) / 255
    big = ((0.3 + 0.35 * soft_facet + 0.12 * edges) * reach).astype(np.float32)
    out: Field = np.maximum(
        big * (0.55 + 0.45 * clouds), 0.4 * clouds * smoothstep(0.3, 0.9, clouds)
    )
    return out


_ELEMENT_SHAPES: dict[Element, Callable[[Scene, Layout, Field], Field]] = {
    Element.FIRE: _fire,
    Element.WATER: _water,
    Element.AIR: _air,
    Element.EARTH: _earth,
}


def _embers(scene: Scene, lay: Layout, colour: RGB, count: int) -> None:
    rng = scene.rng
    fx, fy = lay.focus[0] * SIZE, lay.focus[1] * SIZE
    for _ in range(count):
        x = fx + rng.gauss(0, 150)
        y = fy + 260 - rng.random() ** 0.7 * 700
        if math.hypot(x - fx, y - fy) < 90:  # the light outshines its own embers
            continue
        length = rng.uniform(6, 22)
        drift = rng.uniform(-5, 5)
        c = scale(mix(colour, WHITE, rng.random() * 0.5), rng.uniform(0.45, 0.9))
        # A spark rising: bright at its head, its trail fading behind (below) it.
        for k, fade_to in ((0, 0.45), (1, 0.22), (2, 0.1)):
            t0, t1 = k / 3, (k + 1) / 3
            scene.light_draw.line(
                (x + drift * t0, y + length * t0, x + drift * t1, y + length * t1),
                fill=scale(c, fade_to),
                width=1,
            )
        star(scene, x, y, rng.uniform(0.7, 1.6), c)


def _crests(scene: Scene, lay: Layout, colour: RGB) -> None:
    """A few long crest lines of light riding the swells."""
    rng = scene.rng
    a = math.radians(lay.flow)
    ca, sa = math.cos(a), math.sin(a)
    fx, fy = lay.focus
    for k in range(7):
        offset = (k - 3) * 0.055 + rng.uniform(-0.01, 0.01)
        phase = rng.uniform(0, 2 * math.pi)
        points = []
        for step in range(90):
            s = -0.75 + 1.5 * step / 89
            wave = 0.03 * math.sin(s * 2 * math.pi * 1.6 + phase)
            px = fx + s * ca - (offset + wave) * sa
            py = fy + s * sa + (offset + wave) * ca
            points.append((px * SIZE, py * SIZE))
        strength = 0.75 - 0.09 * abs(k - 3)
        scene.light_draw.line(points, fill=scale(colour, 0.45 * strength), width=1)
        scene.glow_line(points, scale(colour, 0.25 * strength))


def _streams(scene: Scene, lay: Layout, colour: RGB) -> None:
    """Fine currents of wind: spiral arcs round the focus."""
    rng = scene.rng
    fx, fy = lay.focus[0] * SIZE, lay.focus[1] * SIZE
    turn = math.radians(lay.flow)
    for _ in range(9):
        r0 = rng.uniform(90, 430)
        start = rng.uniform(0, 2 * math.pi)
        sweep = rng.uniform(0.8, 2.0)
        points = []
        for step in range(70):
            t = step / 69
            angle = start + turn + sweep * t
            r = r0 * (1 + 0.35 * t)
            points.append((fx + r * math.cos(angle), fy + r * math.sin(angle) * 0.86))
        scene.light_draw.line(points, fill=scale(colour, rng.uniform(0.25, 0.5)), width=1)


def _crystals(scene: Scene, lay: Layout, palette: tuple[str, str, str]) -> None:
    """A cluster of faceted crystal points growing from the bottom of the picture under the
    focus, lit from it; solid, so what shines behind them is hidden."""
    rng = scene.rng
    dark, mid, light = tones(palette)
    fx, fy = lay.focus[0] * SIZE, SIZE - 6.0
    shards = sorted(
        ((rng.uniform(-170, 170), rng.uniform(150, 330), rng.uniform(-0.4, 0.4)) for _ in range(6)),
        key=lambda s: -s[1],
    )
    for dx, height, lean in shards:
        width = height * rng.uniform(0.18, 0.26)
        bx, by = fx + dx, fy + rng.uniform(-10, 25)
        tip = (bx + math.sin(lean) * height, by - math.cos(lean) * height)
        shoulder = 0.72
        lx = (
            bx - width / 2 + math.sin(lean) * height * shoulder,
            by - math.cos(lean) * height * shoulder,
        )
        rx = (
            bx + width / 2 + math.sin(lean) * height * shoulder,
            by - math.cos(lean) * height * shoulder,
        )
        mx = (bx + math.sin(lean) * height * shoulder, by - math.cos(lean) * height * shoulder)
        left = [(bx - width / 2, by), (bx, by + 6), mx, tip, lx]
        right = [(bx, by + 6), (bx + width / 2, by), rx, tip, mx]
        # Translucent glass: a shaded facet and a lit one, the sky showing through a little.
        scene.solid("polygon", left, scale(vivid(dark, 0.6), 0.45), opacity=0.8)
        scene.solid("polygon", right, scale(vivid(mix(mid, light, 0.4), 0.6), 0.8), opacity=0.8)
        edge = mix(light, WHITE, 0.6)
        scene.light_draw.line([mx, tip], fill=scale(edge, 0.7), width=2)
        scene.light_draw.line([lx, tip, rx], fill=scale(edge, 0.4), width=1)
        scene.halo((bx + tip[0]) / 2, (by + tip[1]) / 2, height * 0.6, scale(light, 0.18))
        scene.halo(tip[0], tip[1], 40, scale(light, 0.35))
    scene.halo(fx, fy, 420, scale(light, 0.18))


# --- daily energy ---------------------------------------------------------------------------


def paint_energy(scene: Scene, v: Visual) -> None:
    """Daily energy (and any motif this provider does not know): the sign's composition."""
    sign = v.signs[0] if v.signs else None
    palette = v.palettes[0]
    lay = LAYOUTS[sign] if sign is not None else NEUTRAL
    element = sign_info(sign).element if sign is not None else Element.AIR
    _, mid, light = tones(palette)
    power = v.intensity

    clouds = _clouds(scene)
    shape = _ELEMENT_SHAPES[element](scene, lay, clouds)
    density = shape * _filaments(scene) * (0.6 + 0.6 * power)
    emission = colourise(np.clip(density, 0, 1), _nebula_ramp(palette))
    sky = (_background(palette, lay.focus) + emission) * _dust(scene, clouds)[..., None]
    scene.set_sky(_warm(sky, v.warmth))

    fx, fy = lay.focus[0] * SIZE, lay.focus[1] * SIZE
    keep = 1 - 0.6 * shape
    starfield(scene, 380 + round(900 * power), light, keep=keep, brightness=0.8 + 0.3 * power)

    if element is Element.FIRE:
        _embers(scene, lay, mix(light, (255, 190, 90), 0.4), 40 + round(160 * power))
    elif element is Element.WATER:
        _crests(scene, lay, mix(light, WHITE, 0.3))
    elif element is Element.AIR:
        _streams(scene, lay, mix(light, WHITE, 0.3))

    core = mix(light, WHITE, 0.35 + 0.35 * power)
    # Over a crystal cluster the light is quieter: the crystals catch it.
    quiet = 0.6 if element is Element.EARTH else 1.0
    scene.halo(fx, fy, 150 + 230 * power, scale(core, (0.32 + 0.38 * power) * quiet))
    sparkle(scene, fx, fy, 40 + 60 * power, scale(core, 0.85))

    if sign is not None:  # a builder's own category may name no sign: no figure is invented
        ex, ey, es = lay.emblem
        glyph_colour = mix(light, WHITE, 0.3)
        emblem(scene, sign, (ex * SIZE, ey * SIZE), round(es * SIZE), glyph_colour, 0.35)
        cx, cy, size = lay.figure
        constellation(
            scene,
            sign,
            (cx * SIZE, cy * SIZE),
            size * SIZE,
            mix(mid, light, 0.5),
            tilt=lay.tilt,
            strength=0.75 + 0.25 * power,
        )
    if element is Element.EARTH:  # in front of the sky, the constellation's stars included
        _crystals(scene, lay, palette)


# --- avatar ---------------------------------------------------------------------------------


# The avatar's medallion, in pixels from the picture's centre: the wheel's middle radius and
# half its band, a glyph's size on it, and the cameos (radius, and how far along each axis from
# the centre their corners sit).
WHEEL_R, WHEEL_BAND, WHEEL_GLYPH = 408, 34, 44
CAMEO_R, CAMEO_AT = 80, 424
_CORNERS = {  # each corner's direction from the centre (radians, anticlockwise from 3 o'clock)
    "top-left": 3 * math.pi / 4,
    "bottom-left": 5 * math.pi / 4,
    "bottom-right": 7 * math.pi / 4,
    "top-right": math.pi / 4,
}


def wheel_angle(sign: Sign, rising: Sign) -> float:
    """Where ``sign`` sits on a chart wheel whose ascendant (9 o'clock) is ``rising``: the
    signs follow anticlockwise, as on a natal chart (radians, anticlockwise from 3 o'clock)."""
    order = list(Sign)
    return (math.pi + (order.index(sign) - order.index(rising)) * math.pi / 6) % (2 * math.pi)


def cameo_corners(moon: Sign, rising: Sign) -> dict[str, tuple[float, float]]:
    """Where the avatar's cameos go, by the sign they hold ("rising", and "moon" when the moon
    sign is another): the rising sign's below the ascendant, the moon sign's in the free corner
    nearest its place on the wheel. Centres in pixels, clear of the wheel and the frame."""
    c = SIZE / 2

    def centre(corner: float) -> tuple[float, float]:
        return (
            c + CAMEO_AT * math.copysign(1, math.cos(corner)),
            c - CAMEO_AT * math.copysign(1, math.sin(corner)),
        )

    spots = {"rising": centre(_CORNERS["bottom-left"])}
    if moon != rising:
        a = wheel_angle(moon, rising)
        free = [angle for name, angle in _CORNERS.items() if name != "bottom-left"]
        nearest = min(free, key=lambda k: abs((a - k + math.pi) % (2 * math.pi) - math.pi))
        spots["moon"] = centre(nearest)
    return spots


def paint_avatar(scene: Scene, v: Visual) -> None:
    """A medallion: the sun sign at its heart, the moon sign's ring, the rising sign's wheel,
    the moon and rising constellations in corner cameos tied to their places on the wheel."""
    if len(v.signs) < 3:  # a builder that names no signs gets the energy composition
        paint_energy(scene, v)
        return
    palettes = list(v.palettes) + [v.palettes[0]] * (3 - len(v.palettes))
    sun, moon, rising = v.signs[:3]
    sun_t, moon_t, rise_t = (tones(p) for p in palettes[:3])
    c = SIZE / 2
    # The rings' sizes follow the signs' modalities (cardinal, fixed, mutable).
    modality = [list(Modality).index(sign_info(s).modality) for s in (sun, moon)]
    r_disc = (236, 262, 212)[modality[0]]
    r_moon = r_disc + (58, 74, 90)[modality[1]]

    # The sky: the rising sign's element outside, the sun's glowing through the disc.
    u, vv = grid(LOW)
    d = np.sqrt((u - 0.5) ** 2 + (vv - 0.5) ** 2)
    clouds = _clouds(scene)
    outer_shape = _ELEMENT_SHAPES[sign_info(rising).element](scene, LAYOUTS[rising], clouds)
    gas = _filaments(scene)
    outer = colourise(
        np.clip((0.15 + 0.9 * outer_shape) * gas, 0, 1) * smoothstep(0.2, 0.3, d),
        _nebula_ramp(palettes[2]),
    )
    inner_shape = _ELEMENT_SHAPES[sign_info(sun).element](scene, LAYOUTS[sun], clouds)
    twist = math.radians(30 * list(Sign).index(sun))
    inner = colourise(
        np.clip(
            0.35 + 0.75 * inner_shape * np.cos(twist) ** 2 + 0.5 * clouds * np.sin(twist) ** 2, 0, 1
        )
        * (1 - smoothstep(r_disc / SIZE - 0.03, r_disc / SIZE, d))
        # lit like a glowing sphere: brightest in the middle, darker to its limb
        * (0.45 + 0.55 * np.sqrt(np.clip(1 - (d * SIZE / r_disc) ** 2, 0, 1))),
        _nebula_ramp(palettes[0]),
    )
    sky = (_background(palettes[2], (0.5, 0.5)) + outer + inner) * _dust(scene, clouds)[..., None]
    scene.set_sky(sky)
    starfield(scene, 700, rise_t[2], brightness=0.9)

    # The cameos first: their ties to the wheel run under it.
    cameos = cameo_corners(moon, rising)
    holders = {"rising": (rising, rise_t), "moon": (moon, moon_t)}
    for role, (x, y) in cameos.items():
        sign, t = holders[role]
        a = wheel_angle(sign, rising)
        tie = (c + (WHEEL_R + WHEEL_BAND) * math.cos(a), c - (WHEEL_R + WHEEL_BAND) * math.sin(a))
        scene.light_draw.line((x, y, *tie), fill=scale(t[2], 0.35), width=1)
        box = [(x - CAMEO_R, y - CAMEO_R), (x + CAMEO_R, y + CAMEO_R)]
        scene.solid("ellipse", box, scale(t[0], 0.28))
        rims = [(0, mix(t[2], WHITE, 0.4), 3), (7, scale(t[2], 0.5), 1)]
        if role == "rising" and moon == rising:  # one sign for both: a double rim
            rims.append((12, scale(moon_t[2], 0.6), 2))
        for inset, colour, width in rims:
            r = CAMEO_R - inset
            scene.light_draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=width)
        scene.halo(x, y, CAMEO_R * 1.5, scale(t[1], 0.5))
        constellation(scene, sign, (x, y), CAMEO_R * 1.3, mix(t[1], t[2], 0.5), strength=0.8)

    # The wheel: a band in the rising sign's colours with the twelve glyphs.
    band = Image.new("L", (SIZE, SIZE))
    bd = ImageDraw.Draw(band)
    outer_r, inner_r = WHEEL_R + WHEEL_BAND, WHEEL_R - WHEEL_BAND
    bd.ellipse((c - outer_r, c - outer_r, c + outer_r, c + outer_r), fill=255)
    bd.ellipse((c - inner_r, c - inner_r, c + inner_r, c + inner_r), fill=0)
    scene.occlude(band)
    scene.base.paste(scale(rise_t[0], 0.32), (0, 0), fade(band, 0.78))
    for r, width in ((outer_r, 2), (inner_r, 2), (inner_r + 4, 1)):
        scene.light_draw.ellipse(
            (c - r, c - r, c + r, c + r),
            outline=scale(mix(rise_t[2], WHITE, 0.4), 0.75),
            width=width,
        )
    lit = {rising: rise_t[2], moon: moon_t[2], sun: sun_t[2]}
    for sign in Sign:
        a = wheel_angle(sign, rising)
        edge = a + math.pi / 12
        _tick(scene, edge, inner_r, outer_r, scale(rise_t[2], 0.45))
        gx, gy = c + WHEEL_R * math.cos(a), c - WHEEL_R * math.sin(a)
        strong = sign in lit
        mask = glyph_mask(sign, WHEEL_GLYPH)
        colour = mix(lit.get(sign, rise_t[1]), WHITE, 0.45 if strong else 0.2)
        half = WHEEL_GLYPH / 2
        scene.light.paste(
            colour, (round(gx - half), round(gy - half)), mask if strong else fade(mask, 0.43)
        )
        if strong:
            scene.halo(gx, gy, 70, scale(lit[sign], 0.6))

    # The moon ring, and a crescent on it at the moon sign's place in the wheel.
    scene.light_draw.ellipse(
        (c - r_moon, c - r_moon, c + r_moon, c + r_moon), outline=scale(moon_t[2], 0.6), width=2
    )
    for k in range(72):
        a = k * math.pi / 36
        _tick(scene, a, r_moon - (10 if k % 6 == 0 else 5), r_moon, scale(moon_t[2], 0.45))
    # The sun disc's rim, its glyph and its constellation.
    scene.light_draw.ellipse(
        (c - r_disc, c - r_disc, c + r_disc, c + r_disc),
        outline=scale(mix(sun_t[2], WHITE, 0.5), 0.9),
        width=3,
    )
    scene.halo(c, c, r_disc * 1.25, scale(sun_t[1], 0.45))
    emblem(scene, sun, (c, c), 300, mix(sun_t[2], WHITE, 0.2), 0.22)
    constellation(scene, sun, (c, c), 330, mix(sun_t[1], sun_t[2], 0.5), tilt=0, strength=0.95)
    moon_a = wheel_angle(moon, rising)
    mx, my = c + r_moon * math.cos(moon_a), c - r_moon * math.sin(moon_a)
    _small_moon(scene, mx, my, 24, moon_t[2], angle=math.atan2(my - c, c - mx))


def _tick(scene: Scene, angle: float, r0: float, r1: float, colour: RGB) -> None:
    """A radial line of the medallion from radius ``r0`` to ``r1`` at ``angle`` (radians,
    anticlockwise from 3 o'clock)."""
    c = SIZE / 2
    x, y = math.cos(angle), -math.sin(angle)
    scene.light_draw.line((c + r0 * x, c + r0 * y, c + r1 * x, c + r1 * y), fill=colour, width=1)


def _small_moon(scene: Scene, x: float, y: float, r: int, colour: RGB, angle: float) -> None:
    """A crescent of radius ``r`` whose lit side faces ``angle`` (radians, 0 = right)."""
    n = 2 * r + 2
    disc = Image.new("L", (n, n))
    ImageDraw.Draw(disc).ellipse((1, 1, n - 2, n - 2), fill=255)
    bite = Image.new("L", (n, n))
    ox, oy = -math.cos(angle) * r * 0.55, -math.sin(angle) * r * 0.55
    ImageDraw.Draw(bite).ellipse((1 + ox, 1 + oy, n - 2 + ox, n - 2 + oy), fill=255)
    lit = Image.composite(Image.new("L", (n, n)), disc, bite)
    pos = (round(x - n / 2), round(y - n / 2))
    scene.occlude(disc, pos)
    scene.base.paste(scale(colour, 0.12), pos, disc)
    scene.light.paste(mix(colour, WHITE, 0.5), pos, lit)
    scene.halo(x, y, r * 3, scale(colour, 0.5))


# --- compatibility and groups ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Orbit:
    """One sign's orbit in a compatibility or group picture (pixels and radians)."""

    seat: tuple[float, float]
    radius: float  # the semi-major axis
    squash: float  # minor over major axis
    tilt: float

    def points(self, steps: int = 120) -> list[tuple[float, float]]:
        return _ellipse(*self.seat, self.radius, self.radius * self.squash, self.tilt, steps)


ORBITS_CENTRE = (SIZE * 0.5, SIZE * 0.53)
ORBIT_MARGIN = 12  # pixels an orbit keeps from the frame


def orbit_plan(signs: Sequence[Sign | None], score: float) -> list[Orbit]:
    """The orbits of ``signs`` (2 side by side, 3 to 6 in a ring) at ``score`` (0..1): closer
    together the higher it is, each turned and flattened by its sign (a partner's mirrored),
    and all of them shrunk as far as needed to stay inside the frame."""
    n = len(signs)
    cx, cy = ORBITS_CENTRE
    if n <= 2:
        spread = SIZE * (0.25 - 0.12 * score)
        seats = [(cx - spread, cy), (cx + spread, cy)] if n == 2 else [(cx, cy)]
        radius = SIZE * 0.22
    else:
        ring = SIZE * (0.32 - 0.08 * score)
        seats = [
            (
                cx + ring * math.cos(2 * math.pi * i / n - math.pi / 2),
                cy + ring * math.sin(2 * math.pi * i / n - math.pi / 2),
            )
            for i in range(n)
        ]
        radius = SIZE * (0.2 if n <= 4 else 0.16)
    shapes = []
    for k, sign in enumerate(signs):
        index = list(Sign).index(sign) if sign is not None else 6
        tilt = math.radians(-35 + 17 * index)
        shapes.append((-tilt if k % 2 else tilt, 0.38 + 0.05 * (index % 4)))
    while True:
        orbits = [
            Orbit(seat, radius, squash, tilt)
            for seat, (tilt, squash) in zip(seats, shapes, strict=True)
        ]
        inside = all(
            ORBIT_MARGIN <= x <= SIZE - ORBIT_MARGIN and ORBIT_MARGIN <= y <= SIZE - ORBIT_MARGIN
            for orbit in orbits
            for x, y in orbit.points(48)
        )
        if inside:
            return orbits
        radius *= 0.95


def paint_orbits(scene: Scene, v: Visual) -> None:
    """Each sign an orbit round its own star, with its constellation; the orbits draw
    together, and the light where they meet brightens, with the score."""
    palettes = list(v.palettes)
    n = len(palettes)
    signs: list[Sign | None] = [v.signs[k] if k < len(v.signs) else None for k in range(n)]
    score = v.blend
    t = [tones(p) for p in palettes]
    centre = ORBITS_CENTRE
    orbits = orbit_plan(signs, score)
    crowd = math.sqrt(2 / max(2, n))  # many lights meeting in one place: each a little softer

    # The sky: each sign's clouds round its seat, meeting in the middle.
    u, vv = grid(LOW)
    clouds = _clouds(scene)
    sky = _background(palettes[0], (0.5, 0.5))
    weights = []
    for orbit in orbits:
        sx, sy = orbit.seat
        d = np.sqrt((u - sx / SIZE) ** 2 + (vv - sy / SIZE) ** 2)
        weights.append(np.exp(-((d / 0.3) ** 2)))
    total = np.sum(weights, axis=0) + 1e-3
    gas = _filaments(scene)
    for k, palette in enumerate(palettes):
        sign = signs[k]
        element = sign_info(sign).element if sign is not None else Element.AIR
        base = LAYOUTS[sign] if sign is not None else NEUTRAL
        seat = orbits[k].seat
        lay = replace(base, focus=(seat[0] / SIZE, seat[1] / SIZE))
        shape = _ELEMENT_SHAPES[element](scene, lay, clouds)
        share = weights[k] / total * smoothstep(0.0, 0.25, total)
        sky = sky + colourise(np.clip(shape * gas * share * 1.1, 0, 1), _nebula_ramp(palette))
    meet = np.sqrt((u - centre[0] / SIZE) ** 2 + (vv - centre[1] / SIZE) ** 2)
    bridge = np.exp(-((meet / (0.1 + 0.12 * score)) ** 2)) * (0.1 + 0.3 * score) * clouds
    blended = t[0][2]
    for tone in t[1:]:
        blended = mix(blended, tone[2], 0.5)
    sky = sky + bridge[..., None] * unit(mix(blended, WHITE, 0.3))
    scene.set_sky(sky * _dust(scene, clouds)[..., None])
    starfield(scene, 800, mix(t[0][2], t[-1][2], 0.5), brightness=0.9)

    # The orbits, each with its star riding it on the side that faces the others.
    for k, orbit in enumerate(orbits):
        sx, sy = orbit.seat
        colour = vivid(mix(t[k][1], t[k][2], 0.5), 0.4)
        points = orbit.points()
        scene.light_draw.line(
            points + points[:1], fill=scale(mix(colour, WHITE, 0.15), 0.8), width=2
        )
        scene.glow_line(points + points[:1], scale(colour, 0.45))
        inner = replace(orbit, radius=orbit.radius * 0.62, tilt=orbit.tilt + 0.5).points()
        scene.light_draw.line(inner + inner[:1], fill=scale(colour, 0.45), width=1)
        towards = math.atan2(centre[1] - sy, centre[0] - sx) if n > 1 else 0.0
        aim = (sx + math.cos(towards) * orbit.radius, sy + math.sin(towards) * orbit.radius)
        body = min(points, key=lambda p: math.dist(p, aim))
        scene.halo(*body, 70 + 50 * score, scale(colour, (0.45 + 0.25 * score) * crowd))
        sparkle(scene, *body, 22 + 22 * score, mix(colour, WHITE, 0.5))
        scene.halo(sx, sy, orbit.radius * 0.5, scale(t[k][1], 0.3))
        sign = signs[k]
        if sign is not None:
            size = orbit.radius * (1.05 if n == 2 else 1.2)
            constellation(scene, sign, (sx, sy), size, mix(t[k][1], t[k][2], 0.5), strength=0.85)
        _stream(scene, body, centre, colour, score)  # light flowing to the meeting point

    glow_colour = mix(blended, WHITE, 0.45)
    strength = (0.1 + 0.35 * score**2) * crowd
    scene.halo(*centre, 40 + 150 * score, scale(glow_colour, strength))
    if score >= 0.5:
        sparkle(scene, *centre, (20 + 70 * score) * crowd, glow_colour)


def _ellipse(
    cx: float, cy: float, rx: float, ry: float, tilt: float, steps: int = 120
) -> list[tuple[float, float]]:
    c, s = math.cos(tilt), math.sin(tilt)
    out = []
    for i in range(steps):
        a = 2 * math.pi * i / steps
        x, y = rx * math.cos(a), ry * math.sin(a)
        out.append((cx + x * c - y * s, cy + x * s + y * c))
    return out


def _stream(
    scene: Scene, start: tuple[float, float], end: tuple[float, float], colour: RGB, score: float
) -> None:
    """Particles flowing from ``start`` to ``end`` on a gentle curve; more and brighter with
    the score."""
    rng = scene.rng
    (x0, y0), (x1, y1) = start, end
    nx, ny = -(y1 - y0), x1 - x0
    bend = rng.uniform(0.12, 0.25) * (1 if rng.random() < 0.5 else -1)
    for _ in range(40 + round(200 * score)):
        t = rng.random()
        curve = math.sin(math.pi * t) * bend
        spread = 4 + 14 * math.sin(math.pi * t)  # widest halfway
        x = x0 + (x1 - x0) * t + nx * curve + rng.gauss(0, spread)
        y = y0 + (y1 - y0) * t + ny * curve + rng.gauss(0, spread)
        star(scene, x, y, rng.uniform(0.5, 1.3), scale(mix(colour, WHITE, 0.4), 0.2 + 0.6 * score))


# --- moon ritual ----------------------------------------------------------------------------


def moon_light(diameter: int, elongation: float, albedo: Field | None = None) -> Field:
    """The brightness (0..1) of a moon disc ``diameter`` pixels wide at a Sun-Moon
    ``elongation`` in degrees (0 new, 180 full): a sphere lit by the Sun (Lommel-Seeliger
    shading, so the full moon's limb does not darken), a soft terminator, waxing lit on the
    right and waning on the left as seen from the northern hemisphere; 0 off the disc."""
    axis = (np.arange(diameter, dtype=np.float32) + 0.5) / diameter * 2 - 1
    x, y = np.meshgrid(axis, axis)
    rho2 = x * x + y * y
    z = np.sqrt(np.clip(1 - rho2, 0, 1))
    e = math.radians(elongation % 360)
    lx, lz = math.sin(e), -math.cos(e)
    mu0 = x * lx + z * lz
    lit = smoothstep(-0.03, 0.06, mu0) * (2 * np.clip(mu0, 0, 1) / (np.clip(mu0, 0, 1) + z + 1e-3))
    lit = np.clip(lit * 0.85, 0, 1)
    if albedo is not None:
        lit = lit * albedo
    edge = np.clip((1 - np.sqrt(rho2)) * diameter / 2 + 0.5, 0, 1)  # anti-aliased limb
    out: Field = (lit * edge).astype(np.float32)  # the limb's fall-off is 0 off the disc
    return out


# Per phase, from new to waning crescent: how many candles, how tall they still are (1 new),
# and how many of the crystal ring's stones are lit.
_ALTARS: dict[MoonPhase, tuple[int, float, int]] = {
    MoonPhase.NEW_MOON: (1, 1.0, 0),
    MoonPhase.WAXING_CRESCENT: (3, 1.0, 3),
    MoonPhase.FIRST_QUARTER: (4, 0.95, 6),
    MoonPhase.WAXING_GIBBOUS: (5, 0.9, 9),
    MoonPhase.FULL_MOON: (7, 0.85, 12),
    MoonPhase.WANING_GIBBOUS: (5, 0.6, 9),
    MoonPhase.LAST_QUARTER: (4, 0.45, 6),
    MoonPhase.WANING_CRESCENT: (2, 0.3, 3),
}


MOON_CENTRE = (SIZE * 0.5, SIZE * 0.3)  # the moon ritual's disc, in pixels
MOON_DIAMETER = 360
HORIZON = SIZE * 0.66


def paint_moon(scene: Scene, v: Visual) -> None:
    """The moon ritual: the moon at its phase over still water, and the phase's altar."""
    pale, deep, cream = (rgb(c) for c in v.palettes[0])
    elongation = v.moon_elongation if v.moon_elongation is not None else 180.0
    lit = (1 - math.cos(math.radians(elongation))) / 2
    candles, height, stones = _ALTARS[v.moon_phase or MoonPhase.FULL_MOON]
    horizon = HORIZON

    # The night: indigo and violet clouds, brighter near the moon when it is fuller.
    u, vv = grid(LOW)
    clouds = _clouds(scene, base=4)
    (mx, my), diameter = MOON_CENTRE, MOON_DIAMETER
    d = np.sqrt((u - mx / SIZE) ** 2 + (vv - my / SIZE) ** 2)
    veil = colourise(
        np.clip(
            clouds * smoothstep(0.1, 0.8, clouds) * (0.55 + 0.4 * lit) * (vv < horizon / SIZE), 0, 1
        ),
        ramp(
            [
                (0, (0, 0, 0)),
                (0.4, scale(deep, 0.45)),
                (0.75, mix(deep, (106, 76, 147), 0.5)),
                (1.0, mix(pale, WHITE, 0.2)),
            ]
        ),
    )
    moonglow = (np.exp(-((d / 0.32) ** 2)) * 0.32 * lit)[..., None] * (unit(pale))
    sky = _background(v.palettes[0], (0.5, 0.3)) + veil + moonglow
    scene.set_sky(sky * _dust(scene, clouds)[..., None])
    starfield(
        scene,
        900 - round(450 * lit),
        pale,
        region=(0, 0, SIZE, horizon),
        brightness=1.0 - 0.3 * lit,
    )

    # The moon: a textured sphere in front of the sky, its dark side in earthshine.
    albedo_noise = fbm(scene.gen, diameter, base=3, octaves=5)
    maria = 1 - 0.42 * smoothstep(0.48, 0.68, albedo_noise)
    craters = normalise(fbm(scene.gen, diameter, base=12, octaves=3))
    albedo = np.clip(maria * (0.92 + 0.16 * (craters - 0.5)), 0, 1)
    light = moon_light(diameter, elongation, albedo.astype(np.float32))
    x0, y0 = round(mx - diameter / 2), round(my - diameter / 2)
    disc = Image.new("L", (diameter, diameter))
    ImageDraw.Draw(disc).ellipse((0, 0, diameter - 1, diameter - 1), fill=255)
    disc = disc.filter(ImageFilter.GaussianBlur(0.7))
    scene.occlude(disc, (x0, y0))
    earthshine = unit(mix(SPACE, deep, 0.35))
    surface = earthshine * albedo[..., None] + light[..., None] * (unit(cream))
    pixels = (np.clip(surface, 0, 1) * 255 + 0.5).astype(np.uint8)
    scene.base.paste(Image.fromarray(pixels, "RGB"), (x0, y0), disc)
    scene.halo(mx, my, diameter * (0.6 + 0.35 * lit), scale(pale, 0.1 + 0.26 * lit))

    # Still water: the sky above mirrored in it, darker, and the moon's light broken into a
    # path of ripples that narrows towards the horizon.
    water_top = round(horizon)
    depth = SIZE - water_top
    mirror = scene.base.crop((0, water_top - depth, SIZE, water_top)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    mirror = mirror.resize((SIZE // 4, depth // 4)).filter(ImageFilter.BoxBlur(2))
    mirror = mirror.resize((SIZE, depth), Image.Resampling.BICUBIC)
    fade = Image.linear_gradient("L").resize((SIZE, depth)).point(lambda i: 150 - i // 3)
    water = Image.new("RGB", (SIZE, depth), mix(SPACE, deep, 0.3))
    water.paste(mirror, (0, 0), fade)
    scene.base.paste(water, (0, water_top))
    scene.occlude(Image.new("L", (SIZE, depth), 255), (0, water_top))
    rng = scene.rng
    side = 1 if (elongation % 360) <= 180 else -1
    y = horizon + 3.0
    while y < SIZE:
        near = (y - horizon) / depth  # 0 at the horizon, 1 at the front
        for _ in range(3):
            w = rng.uniform(4, 22 + 40 * near) * (0.3 + lit)
            x = mx + side * diameter * 0.12 * (1 - lit) + rng.gauss(0, 22 + 70 * near) * (0.4 + lit)
            bright = 0.75 * lit * (1 - 0.6 * near) * rng.uniform(0.4, 1.0)  # none at new moon
            scene.light_draw.line((x - w, y, x + w, y), fill=scale(cream, bright), width=1)
        y += 2.5 + 9 * near * near + rng.uniform(0, 2)
    scene.halo(mx, horizon + 30, 260 * (0.3 + lit), scale(pale, 0.12 + 0.25 * lit))
    scene.light_draw.line((0, horizon, SIZE, horizon), fill=scale(pale, 0.22), width=1)

    # The altar: a stone slab seen from a little above, candles that grow to the full moon and
    # burn down after it, a ring of crystals lit as far as the moon is, a bowl of water.
    back, front = SIZE * 0.79, SIZE * 0.9
    top_face = [(SIZE * 0.2, back), (SIZE * 0.8, back), (SIZE * 0.9, front), (SIZE * 0.1, front)]
    front_face = [(SIZE * 0.1, front), (SIZE * 0.9, front), (SIZE * 0.9, SIZE), (SIZE * 0.1, SIZE)]
    stone = mix(SPACE, deep, 0.55)
    scene.solid("polygon", top_face, scale(mix(stone, pale, 0.12 + 0.12 * lit), 1.0))
    scene.solid("polygon", front_face, scale(stone, 0.6))
    scene.light_draw.line([top_face[3], top_face[2]], fill=scale(pale, 0.2 + 0.3 * lit), width=2)
    scene.light_draw.line([top_face[0], top_face[1]], fill=scale(pale, 0.12 + 0.2 * lit), width=1)
    ring_c, ring_rx, ring_ry = (mx, SIZE * 0.85), SIZE * 0.27, SIZE * 0.035
    spots = []
    for k in range(12):
        a = math.pi * 2 * k / 12 + math.pi / 2
        x, y = ring_c[0] + ring_rx * math.cos(a), ring_c[1] + ring_ry * math.sin(a)
        on = k < stones if side > 0 else (12 - k) <= stones
        spots.append((y, x, k, on))
    offsets = _candle_spots(candles)
    things: list[tuple[float, Callable[[], None]]] = []
    for y, x, k, on in spots:
        colour = mix(pale, cream, 0.5) if on else mix(deep, pale, 0.4)
        size = 9 + 3 * (k % 3)
        things.append((y, partial(_crystal_stone, scene, x, y, size, colour, on)))
    for k, (dx, backness) in enumerate(offsets):
        x = mx + dx * SIZE * 0.22
        base_y = ring_c[1] - backness * SIZE * 0.022
        tall = (80 + 35 * ((k * 7) % 3)) * height
        half = 12 + 2 * (k % 2)
        candle = partial(_candle, scene, x, base_y, half, tall, burnt=height < 0.7)
        things.append((base_y, candle))
    things.append((ring_c[1] + 1, partial(_bowl, scene, ring_c, deep, pale, cream, lit, side)))
    for _, paint in sorted(things, key=lambda item: item[0]):  # back to front
        paint()


def _bowl(
    scene: Scene,
    centre: tuple[float, float],
    deep: RGB,
    pale: RGB,
    cream: RGB,
    lit: float,
    side: int,
) -> None:
    """A bowl of water, the moon caught in it."""
    bx, by = centre
    scene.solid("ellipse", [(bx - 48, by - 28), (bx + 48, by + 26)], scale(deep, 0.55))
    scene.solid("ellipse", [(bx - 48, by - 14), (bx + 48, by + 4)], scale(deep, 0.95))
    scene.light_draw.ellipse((bx - 48, by - 14, bx + 48, by + 4), outline=scale(pale, 0.5))
    star(scene, bx + side * 10 * (1 - lit), by - 5, 2 + 3 * lit, scale(cream, 0.3 + 0.7 * lit))


def _candle_spots(count: int) -> list[tuple[float, float]]:
    """Candles in an arc behind the bowl, centred: (horizontal offset -1..1, how far back)."""
    if count == 1:
        return [(0.0, 1.4)]
    return [
        (-0.9 + 1.8 * k / (count - 1), 1.0 + 0.8 * math.sin(math.pi * k / (count - 1)))
        for k in range(count)
    ]


def _candle(scene: Scene, x: float, base: float, half: float, tall: float, *, burnt: bool) -> None:
    """A round wax candle lit from its own flame: lighter on the left, shaded on the right."""
    wax = (238, 226, 204)
    top = base - tall
    scene.solid("rectangle", [(x - half, top), (x + half, base)], scale(wax, 0.5))
    for k in range(6):  # the cylinder's shading, strips from the lit side
        left = x - half + k * half / 3
        scene.base_draw.rectangle(
            (left, top, left + half / 3, base), fill=scale(wax, 0.88 - 0.07 * abs(k - 1.5))
        )
    scene.solid("ellipse", [(x - half, base - 4), (x + half, base + 4)], scale(wax, 0.55))
    scene.base_draw.ellipse((x - half, top - 4, x + half, top + 4), fill=scale(wax, 0.95))
    if burnt:  # drips down the side of a candle that has burnt a while
        for at, length in ((-0.7, 0.35), (0.25, 0.22)):
            scene.base_draw.rounded_rectangle(
                (x + at * half, top, x + at * half + 4, top + tall * length), 2, fill=wax
            )
    scene.light_draw.line((x, top - 2, x, top - 9), fill=(40, 30, 20), width=2)
    flame = [
        (x, top - 38),
        (x + 6.5, top - 18),
        (x + 3, top - 9),
        (x - 3, top - 9),
        (x - 6.5, top - 18),
    ]
    scene.light_draw.polygon(flame, fill=(255, 190, 95))
    scene.light_draw.ellipse((x - 3, top - 24, x + 3, top - 11), fill=(255, 250, 225))
    scene.halo(x, top - 22, 110, (255, 140, 50))
    scene.halo(x, top - 22, 36, (255, 220, 160))


def _crystal_stone(scene: Scene, x: float, y: float, r: float, colour: RGB, lit: bool) -> None:
    points = [
        (x, y - r * 1.6),
        (x + r * 0.7, y - r * 0.3),
        (x, y + r * 0.5),
        (x - r * 0.7, y - r * 0.3),
    ]
    scene.base_draw.polygon(points, fill=scale(colour, 0.7))
    scene.base_draw.polygon([points[0], points[1], points[2]], fill=colour)
    if lit:
        scene.halo(x, y - r * 0.4, r * 5, scale(colour, 0.55))


MOTIFS: dict[str, Callable[[Scene, Visual], None]] = {
    "energy": paint_energy,
    "avatar": paint_avatar,
    "compatibility": paint_orbits,
    "group": paint_orbits,
    "moon": paint_moon,
}
