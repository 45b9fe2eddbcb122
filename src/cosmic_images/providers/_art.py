"""Drawing primitives of the procedural artwork: noise, nebulae, light, stars and figures.

A picture is a :class:`Scene` of three layers, put together once at the end:

* ``base``, the opaque picture at full size: the sky and its nebulae (painted at a quarter
  size, LOW x LOW, from fractal noise with numpy, then enlarged once) and solid things (a
  moon, an altar, the rings of a medallion);
* ``light``, crisp light at full size *added* to the base: stars, constellation lines, sparks.
  Adding light never darkens what is behind it, and an opaque thing hides it (:meth:`occlude`);
* ``glow``, soft light at a quarter size, blurred, enlarged and screened over the rest: halos,
  bloom, candle light.

Every random choice comes from the scene's generators, seeded from the spec's digest, so the
same spec gives the same picture.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from ..zodiac import Sign, sign_info
from ._constellations import CONSTELLATIONS

__all__ = [
    "FIGURE_SIZE",
    "GLOW",
    "LOW",
    "RGB",
    "SIZE",
    "SPACE",
    "WHITE",
    "Field",
    "Scene",
    "colourise",
    "constellation",
    "emblem",
    "enlarge",
    "fade",
    "fbm",
    "figure_points",
    "glyph_mask",
    "grid",
    "mix",
    "normalise",
    "ramp",
    "rgb",
    "sample",
    "scale",
    "smoothstep",
    "sparkle",
    "star",
    "star_brightness",
    "starfield",
    "unit",
    "vivid",
]

RGB = tuple[int, int, int]
Field = npt.NDArray[np.floating[Any]]  # float32 where it is made here

SIZE = 1024
LOW = 256  # the resolution of the soft layers (nebulae, glow), enlarged once
GLOW = SIZE // LOW  # full-size pixels per glow pixel
WHITE: RGB = (255, 255, 255)
SPACE: RGB = (6, 5, 18)


def rgb(hex_color: str) -> RGB:
    """``#RRGGBB`` as a tuple."""
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour ``t`` of the way from ``a`` to ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def scale(c: RGB, k: float) -> RGB:
    """``c`` times ``k``, clipped to 0..255."""
    return (
        max(0, min(255, round(c[0] * k))),
        max(0, min(255, round(c[1] * k))),
        max(0, min(255, round(c[2] * k))),
    )


def unit(c: RGB) -> npt.NDArray[np.float32]:
    """``c`` as three floats 0..1, for numpy pictures."""
    return np.array([c[0] / 255, c[1] / 255, c[2] / 255], np.float32)


def fade(mask: Image.Image, k: float) -> Image.Image:
    """An L mask at ``k`` (0..1) of its strength."""
    return mask.point([round(i * k) for i in range(256)])


def vivid(c: RGB, amount: float = 0.35) -> RGB:
    """``c`` with its saturation pushed away from its grey by ``amount``."""
    grey = sum(c) / 3
    return scale(
        (
            round(c[0] + (c[0] - grey) * amount),
            round(c[1] + (c[1] - grey) * amount),
            round(c[2] + (c[2] - grey) * amount),
        ),
        1.0,
    )


# --- fields (numpy, values 0..1) ------------------------------------------------------------


def enlarge(grid: Field, n: int) -> Field:
    return np.asarray(
        Image.fromarray(grid, mode="F").resize((n, n), Image.Resampling.BICUBIC), dtype=np.float32
    )


def fbm(gen: np.random.Generator, n: int, *, base: int = 3, octaves: int = 5) -> Field:
    """Fractal value noise at ``n`` x ``n``: octaves from a ``base``-cell grid, each twice as
    fine and half as strong, stretched to 0..1 (made at most LOW wide, then enlarged)."""
    if n > LOW:
        return enlarge(fbm(gen, LOW, base=base, octaves=octaves), n)
    total = np.zeros((n, n), np.float32)
    amplitude, cells = 1.0, base
    for _ in range(octaves):
        total += amplitude * enlarge(gen.random((cells + 1, cells + 1), dtype=np.float32), n)
        amplitude, cells = amplitude * 0.5, cells * 2
    return normalise(total)


def normalise(a: Field) -> Field:
    lo, hi = float(a.min()), float(a.max())
    return ((a - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)


def smoothstep(lo: float, hi: float, x: Field) -> Field:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    out: Field = (t * t * (3 - 2 * t)).astype(np.float32)
    return out


@lru_cache(maxsize=4)
def grid(n: int) -> tuple[Field, Field]:
    """Unit coordinates (u right, v down) of an ``n`` x ``n`` field's pixel centres."""
    axis = (np.arange(n, dtype=np.float32) + 0.5) / n
    u, v = np.meshgrid(axis, axis)
    u.setflags(write=False)
    v.setflags(write=False)
    return u, v


def sample(field: Field, u: Field, v: Field) -> Field:
    """``field`` read at unit coordinates (bilinear; beyond an edge the field is mirrored, so
    a warp never smears the edge's pixels into streaks): a domain warp."""
    n = field.shape[0]
    x = np.clip((1 - np.abs(u % 2 - 1)) * n - 0.5, 0, n - 1.001)
    y = np.clip((1 - np.abs(v % 2 - 1)) * n - 0.5, 0, n - 1.001)
    x0, y0 = x.astype(np.intp), y.astype(np.intp)
    fx, fy = x - x0, y - y0
    top = field[y0, x0] * (1 - fx) + field[y0, x0 + 1] * fx
    bottom = field[y0 + 1, x0] * (1 - fx) + field[y0 + 1, x0 + 1] * fx
    out: Field = (top * (1 - fy) + bottom * fy).astype(np.float32)
    return out


def ramp(stops: Sequence[tuple[float, RGB]]) -> npt.NDArray[np.float32]:
    """A 256-entry colour ramp (0..1 floats) through ``stops`` at positions 0..1."""
    xs = np.linspace(0, 1, 256)
    positions = [p for p, _ in stops]
    return np.stack(
        [np.interp(xs, positions, [c[k] / 255 for _, c in stops]) for k in range(3)], axis=-1
    ).astype(np.float32)


def colourise(density: Field, lut: npt.NDArray[np.float32]) -> Field:
    index = np.clip(density * 255, 0, 255).astype(np.intp)
    return lut[index]


# --- the scene ------------------------------------------------------------------------------


class Scene:
    """The picture being made (see the module's docstring)."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.gen = np.random.default_rng(int(seed[:16], 16))
        self.base = Image.new("RGB", (SIZE, SIZE), SPACE)
        self.light = Image.new("RGB", (SIZE, SIZE))
        self.glow = Image.new("RGB", (LOW, LOW))
        self.base_draw = ImageDraw.Draw(self.base)
        self.light_draw = ImageDraw.Draw(self.light)
        self.glow_draw = ImageDraw.Draw(self.glow)

    def set_sky(self, sky: Field) -> None:
        """The base from a (NEB, NEB, 3) float picture, 0..1."""
        pixels = (np.clip(sky, 0, 1) * 255 + 0.5).astype(np.uint8)
        self.base = Image.fromarray(pixels, "RGB").resize((SIZE, SIZE), Image.Resampling.BICUBIC)
        self.base_draw = ImageDraw.Draw(self.base)

    def occlude(self, mask: Image.Image, offset: tuple[int, int] = (0, 0)) -> None:
        """Nothing added so far shines through ``mask`` (an L image placed at ``offset``)."""
        self.light.paste((0, 0, 0), offset, mask)
        small = mask.resize((max(1, mask.width // GLOW), max(1, mask.height // GLOW)))
        self.glow.paste((0, 0, 0), (offset[0] // GLOW, offset[1] // GLOW), small)

    def solid(
        self,
        kind: Literal["polygon", "ellipse", "rectangle"],
        coords: Sequence[tuple[float, float]],
        colour: RGB,
        *,
        opacity: float = 1.0,
    ) -> None:
        """An opaque (or, below ``opacity`` 1, translucent) ``polygon``, ``ellipse`` or
        ``rectangle`` on the base, hiding the light behind it (``coords``: the polygon's points,
        or the two corners of the other shapes' box)."""
        xs, ys = [p[0] for p in coords], [p[1] for p in coords]
        left, top = math.floor(min(xs)) - 1, math.floor(min(ys)) - 1
        width, height = math.ceil(max(xs)) + 2 - left, math.ceil(max(ys)) + 2 - top
        mask = Image.new("L", (width, height))
        shifted = [(x - left, y - top) for x, y in coords]
        draw = ImageDraw.Draw(mask)
        if kind == "polygon":
            draw.polygon(shifted, fill=255)
        elif kind == "ellipse":
            draw.ellipse(shifted, fill=255)
        elif kind == "rectangle":
            draw.rectangle(shifted, fill=255)
        else:
            raise ValueError(f"unknown shape {kind!r}")
        self.occlude(mask, (left, top))
        if opacity < 1:
            mask = fade(mask, opacity)
        self.base.paste(colour, (left, top), mask)

    def glow_line(
        self, points: Sequence[tuple[float, float]], colour: RGB, *, width: int = 2
    ) -> None:
        """A soft line of light through ``points`` (full-size pixels), in the glow."""
        self.glow_draw.line([(x / GLOW, y / GLOW) for x, y in points], fill=colour, width=width)

    def halo(self, x: float, y: float, radius: float, colour: RGB) -> None:
        """A soft round light of ``radius`` pixels (in the glow), added to what is there."""
        n = max(3, round(radius / 2))
        left, top = round(x / GLOW - n / 2), round(y / GLOW - n / 2)
        if left >= LOW or top >= LOW or left + n <= 0 or top + n <= 0 or max(colour) == 0:
            return
        tile = Image.new("RGB", (n, n))
        tile.paste(colour, (0, 0), _falloff(n))
        box = (left, top, left + n, top + n)
        self.glow.paste(ImageChops.add(self.glow.crop(box), tile), box)

    def finish(self, *, bloom: float = 0.6, vignette: float = 0.35) -> Image.Image:
        """The picture: light added to the base, the glow (and a bloom of what is brightest)
        blurred, enlarged and screened over it, then a soft vignette."""
        out = ImageChops.add(self.base, self.light)
        # Bloom: what is bright glows a little beyond itself.
        lut = [min(255, max(0, round((i - 150) * 2.4 * bloom))) for i in range(256)]
        bright = out.reduce(4).point(lut * 3)
        glow = ImageChops.add(self.glow, bright)
        soft = glow.filter(ImageFilter.GaussianBlur(3)).resize(
            (SIZE, SIZE), Image.Resampling.BICUBIC
        )
        out = ImageChops.screen(out, soft)
        return ImageChops.multiply(out, _vignette(round(vignette * 100)))


@lru_cache(maxsize=256)
def _falloff(n: int) -> Image.Image:
    """A round Gaussian-like fall-off from 255 at the centre to 0 at the edge, ``n`` wide."""
    axis = (np.arange(n, dtype=np.float32) + 0.5) / n * 2 - 1
    d = np.sqrt(axis[None, :] ** 2 + axis[:, None] ** 2)
    k = np.exp(-3.2 * d * d) * (1 - smoothstep(0.75, 1.0, d))
    return Image.fromarray((k * 255 + 0.5).astype(np.uint8), "L")


@lru_cache(maxsize=4)
def _vignette(strength: int) -> Image.Image:
    """A soft darkening towards the corners, ``strength`` percent at the far corners."""
    u, v = grid(LOW)
    d = np.sqrt((u - 0.5) ** 2 + (v - 0.5) ** 2) / math.sqrt(0.5)
    k = 1 - strength / 100 * smoothstep(0.35, 1.0, d)
    pixels = (k * 255 + 0.5).astype(np.uint8)
    mask = Image.fromarray(pixels, "L").resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return Image.merge("RGB", (mask, mask, mask))


# --- stars ----------------------------------------------------------------------------------

_STAR_TINTS: tuple[RGB, ...] = (
    (155, 176, 255),
    (202, 215, 255),
    (248, 247, 255),
    (255, 244, 234),
    (255, 225, 180),
    (255, 204, 150),
)


@lru_cache(maxsize=64)
def _sprite(tenths: int) -> Image.Image:
    """A round, soft-edged star of radius ``tenths``/10 px as an L mask."""
    r = tenths / 10
    half = math.ceil(r + 1.5)
    n = 2 * half + 1
    axis = np.arange(n, dtype=np.float32) - half
    d = np.sqrt(axis[None, :] ** 2 + axis[:, None] ** 2)
    core = np.clip(r + 0.5 - d, 0, 1)
    halo = np.exp(-((d / (r + 0.8)) ** 2) * 2.2) * 0.55
    mask = np.clip(np.maximum(core, halo), 0, 1)
    return Image.fromarray((mask * 255 + 0.5).astype(np.uint8), "L")


def star(scene: Scene, x: float, y: float, radius: float, colour: RGB) -> None:
    """One crisp star (light layer)."""
    sprite = _sprite(max(3, min(80, round(radius * 10))))
    half = sprite.width // 2
    scene.light.paste(colour, (round(x) - half, round(y) - half), sprite)


def sparkle(scene: Scene, x: float, y: float, length: float, colour: RGB) -> None:
    """A bright star with four diffraction spikes and a halo."""
    for dx, dy in ((1, 0), (0, 1)):
        for k, width, fade in ((1.0, 1, 0.55), (0.45, 2, 0.8)):
            scene.light_draw.line(
                (
                    x - dx * length * k,
                    y - dy * length * k,
                    x + dx * length * k,
                    y + dy * length * k,
                ),
                fill=scale(colour, fade),
                width=width,
            )
    star(scene, x, y, 2.6, WHITE)
    scene.halo(x, y, length * 1.3, scale(colour, 0.55))


def starfield(
    scene: Scene,
    count: int,
    tint: RGB,
    *,
    region: tuple[float, float, float, float] = (0, 0, SIZE, SIZE),
    keep: npt.NDArray[np.float32] | None = None,
    brightness: float = 1.0,
) -> None:
    """``count`` stars of varied size and colour (most faint and small, a few bright), more
    where ``keep`` (a LOW x LOW field, 0..1) is high."""
    x0, y0, x1, y1 = region
    rng = scene.rng
    for _ in range(count):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if keep is not None:
            gx = min(LOW - 1, max(0, int(x / GLOW)))
            gy = min(LOW - 1, max(0, int(y / GLOW)))
            if rng.random() > keep[gy, gx]:
                continue
        b = rng.random() ** 4
        colour = mix(rng.choice(_STAR_TINTS), tint, rng.random() * 0.35)
        if b < 0.3:  # most stars are one faint pixel
            scene.light_draw.point((x, y), fill=scale(colour, (0.3 + 1.2 * b) * brightness))
            continue
        star(scene, x, y, 0.5 + 2.1 * b, scale(colour, (0.35 + 0.65 * b) * brightness))
        if b > 0.85:
            scene.halo(x, y, 10 + 24 * b, scale(colour, 0.3 * b * brightness))


# --- constellations and glyphs --------------------------------------------------------------


def star_brightness(sign: Sign) -> list[float]:
    """Each star of a figure, 0.35..1: the first (its brightest) 1, the others by how many
    lines meet at them (the figure's principal stars join most lines)."""
    points, edges = CONSTELLATIONS[sign]
    degree = [0] * len(points)
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    out = [min(0.9, 0.35 + 0.17 * d + 0.04 * (i % 3)) for i, d in enumerate(degree)]
    out[0] = 1.0
    return out


def figure_points(
    sign: Sign, centre: tuple[float, float], size: float, tilt: float = 0.0
) -> list[tuple[float, float]]:
    """The figure's stars in pixels: its unit drawing centred on ``centre``, its longer side
    ``size`` pixels (the aspect kept), turned by ``tilt`` degrees."""
    points, _ = CONSTELLATIONS[sign]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    k = size / extent
    c, s = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
    out = []
    for px, py in points:
        dx, dy = (px - mx) * k, (py - my) * k
        out.append((centre[0] + dx * c - dy * s, centre[1] + dx * s + dy * c))
    return out


FIGURE_SIZE = 420  # a figure this many pixels wide has stars and gaps of their nominal size


def constellation(
    scene: Scene,
    sign: Sign,
    centre: tuple[float, float],
    size: float,
    colour: RGB,
    *,
    tilt: float = 0.0,
    strength: float = 1.0,
) -> list[tuple[float, float]]:
    """The sign's figure: stars sized and lit by brightness, thin lines that stop short of
    each star (never drawn through one), a halo round the brightest. Returns the stars."""
    _, edges = CONSTELLATIONS[sign]
    xy = figure_points(sign, centre, size, tilt)
    brightness = star_brightness(sign)
    line_colour = scale(mix(colour, WHITE, 0.35), 0.55 * strength)
    scale_k = max(0.6, min(1.4, size / FIGURE_SIZE))
    for a, b in edges:
        (ax, ay), (bx, by) = xy[a], xy[b]
        length = math.hypot(bx - ax, by - ay)
        gap_a = (5 + 9 * brightness[a]) * scale_k
        gap_b = (5 + 9 * brightness[b]) * scale_k
        if length <= gap_a + gap_b + 2:
            continue
        ux, uy = (bx - ax) / length, (by - ay) / length
        start = (ax + ux * gap_a, ay + uy * gap_a)
        end = (bx - ux * gap_b, by - uy * gap_b)
        scene.light_draw.line((*start, *end), fill=line_colour, width=2 if size > 260 else 1)
        scene.glow_line([start, end], scale(colour, 0.35 * strength), width=1)
    for (x, y), lum in zip(xy, brightness, strict=True):
        core = mix(colour, WHITE, 0.55 + 0.4 * lum)
        star(scene, x, y, (1.4 + 3.2 * lum) * scale_k, scale(core, 0.7 + 0.3 * strength))
        scene.halo(x, y, (18 + 46 * lum) * scale_k, scale(colour, (0.35 + 0.5 * lum) * strength))
        if lum >= 0.99:
            sparkle(scene, x, y, 26 * scale_k * (0.6 + 0.4 * strength), mix(colour, WHITE, 0.5))
    return xy


@lru_cache(maxsize=64)
def glyph_mask(sign: Sign, size: int) -> Image.Image:
    """The sign's glyph (from the bundled DejaVu Sans) centred in a ``size`` square L mask."""
    from ..cards.typeface import BUNDLED_REGULAR, bundled_face

    font: ImageFont.FreeTypeFont = bundled_face(BUNDLED_REGULAR).font(round(size * 0.72))
    mask = Image.new("L", (size, size))
    ImageDraw.Draw(mask).text(
        (size / 2, size / 2), sign_info(sign).glyph, font=font, fill=255, anchor="mm"
    )
    return mask


def emblem(
    scene: Scene, sign: Sign, centre: tuple[float, float], size: int, colour: RGB, alpha: float
) -> None:
    """The glyph as a quiet emblem: a faint engraved ring and glyph, a little glow."""
    x, y = round(centre[0] - size / 2), round(centre[1] - size / 2)
    mask = fade(glyph_mask(sign, size), alpha)
    scene.light.paste(colour, (x, y), mask)
    r = size * 0.62
    scene.light_draw.ellipse(
        (centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r),
        outline=scale(colour, alpha * 0.9),
        width=1,
    )
    scene.halo(centre[0], centre[1], size * 0.8, scale(colour, alpha * 0.5))
