"""The procedural provider: offline, free, deterministic cosmic artwork.

It draws from the spec's :class:`~cosmic_images.prompts.Visual` hints, never from the prompt
text: the sign's palette as nebulae, the energy level as the number and brightness of a
galaxy's arms and stars, the sign's constellation, two palettes meeting for compatibility,
and a moon disc lit at the phase's angle for moon rituals. The same spec always gives the
same bytes (every random choice comes from a generator seeded with the spec's digest, and
the PNG is written without timestamps).

It is the default provider when no API key is set, and the fake that tests use.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

from ..prompts.spec import PromptSpec, Visual
from ..zodiac import Sign
from ._constellations import CONSTELLATIONS
from .base import GeneratedImage, ProviderConfig

__all__ = ["ProceduralProvider", "from_config", "render"]

RGB = tuple[int, int, int]
SIZE = 1024
_LOW = 256  # resolution of the soft layers (nebulae, glows), upscaled once
_SPACE: RGB = (7, 6, 22)


def _rgb(hex_color: str) -> RGB:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _scale(c: RGB, k: float) -> RGB:
    return (min(255, round(c[0] * k)), min(255, round(c[1] * k)), min(255, round(c[2] * k)))


class ProceduralProvider:
    """Draws the picture locally. ``name`` and ``model`` are ``procedural``/``procedural-v1``.

    It runs in-process and does not fail transiently (``remote = False``), so it is never
    wrapped in retries or a circuit breaker.
    """

    remote = False
    edits = True  # offline and deterministic (``edit``)

    def __init__(self, *, compress_level: int = 1) -> None:
        self._compress_level = compress_level

    @property
    def name(self) -> str:
        return "procedural"

    @property
    def model(self) -> str:
        return "procedural-v1"

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        image = edit(spec) if spec.source is not None else render(spec)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=self._compress_level)
        return GeneratedImage(
            data=out.getvalue(),
            width=image.width,
            height=image.height,
            model=self.model,
            provider=self.name,
            quality=spec.quality.value,
        )


def render(spec: PromptSpec) -> Image.Image:
    """The 1024x1024 RGB artwork for ``spec``."""
    rng = random.Random(spec.seed)
    v = spec.visual
    painter = _MOTIFS.get(v.motif, _paint_energy)
    canvas, glow = _nebula_background(rng, v), Image.new("RGB", (SIZE, SIZE))
    painter(rng, v, canvas, glow)
    _stars(rng, v, canvas, glow)
    soft = glow.resize((_LOW, _LOW), Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(5))
    soft = soft.resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return ImageChops.screen(canvas, soft)


def edit(spec: PromptSpec) -> Image.Image:
    """``spec.source`` changed as ``spec.metadata["edit"]`` says, deterministically (seeded by
    the source's bytes and the edit: the same picture edited the same way is the same image
    anywhere): a colour pulled towards a hue, stars added or thinned, the light raised or
    softened, the colours warmed or cooled."""
    from ..edits import parse_edit

    assert spec.source is not None
    change = parse_edit(spec.metadata.get("edit"))
    with Image.open(io.BytesIO(spec.source)) as opened:
        image = opened.convert("RGB")
    rng = random.Random(hashlib.sha256(spec.source + change.key.encode()).hexdigest())
    if change.kind == "hue" and change.hue is not None:
        return _towards_hue(image, change.hue)
    if change.kind == "stars":
        return _more_stars(rng, image) if change.amount > 0 else _fewer_stars(image)
    if change.kind == "light":
        factor = 1.22 if change.amount > 0 else 0.82
        lighter = ImageEnhance.Brightness(image).enhance(factor)
        return ImageEnhance.Contrast(lighter).enhance(1.05 if change.amount > 0 else 0.85)
    red, green, blue = image.split()
    warm = change.amount > 0
    red = red.point(lambda v: min(255, round(v * (1.10 if warm else 0.90))))
    blue = blue.point(lambda v: min(255, round(v * (0.88 if warm else 1.12))))
    return Image.merge("RGB", (red, green, blue))


def _towards_hue(image: Image.Image, degrees: float) -> Image.Image:
    """Every hue pulled 85% of the way (the short way round) to ``degrees``, saturation up."""
    target = degrees / 360 * 256

    def pull(h: int) -> int:
        delta = (target - h + 128) % 256 - 128
        return round(h + 0.85 * delta) % 256

    hue, saturation, value = image.convert("HSV").split()
    hue = hue.point([pull(h) for h in range(256)])
    saturation = saturation.point([min(255, round(s * 1.2 + 25)) for s in range(256)])
    return Image.merge("HSV", (hue, saturation, value)).convert("RGB")


def _more_stars(rng: random.Random, image: Image.Image) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    width, height = out.size
    for _ in range(260):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.choice((0.8, 1.0, 1.2, 1.6, 2.2))
        tint = rng.choice(((255, 255, 255), (255, 240, 210), (210, 225, 255)))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tint)
    return out


def _fewer_stars(image: Image.Image) -> Image.Image:
    """Small bright points removed (a median filter), the rest of the picture kept."""
    calm = image.filter(ImageFilter.MedianFilter(5))
    return Image.blend(image, calm, 0.8)


# --- soft layers -----------------------------------------------------------------------------


def _value_noise(rng: random.Random, size: int) -> Image.Image:
    """Smooth deterministic noise: random grids of 4, 8 and 16 cells, upscaled and blended."""
    noise: Image.Image | None = None
    for cells, weight in ((4, 1.0), (8, 0.5), (16, 0.3)):
        grid = Image.frombytes(
            "L", (cells, cells), bytes(rng.randrange(256) for _ in range(cells * cells))
        )
        layer = grid.resize((size, size), Image.Resampling.BICUBIC)
        noise = layer if noise is None else Image.blend(noise, layer, weight / (1 + weight))
    assert noise is not None
    return noise


def _blob(size: int, cx: float, cy: float, rx: float, ry: float) -> Image.Image:
    mask = Image.new("L", (size, size))
    ImageDraw.Draw(mask).ellipse(
        (size * (cx - rx), size * (cy - ry), size * (cx + rx), size * (cy + ry)), fill=255
    )
    return mask.filter(ImageFilter.GaussianBlur(size * min(rx, ry) * 0.6))


def _nebula_background(rng: random.Random, v: Visual) -> Image.Image:
    n = _LOW
    palettes = [[_rgb(c) for c in p] for p in v.palettes]
    deep = _mix(_SPACE, palettes[0][2], 0.22)
    vignette = Image.radial_gradient("L").resize((n, n))
    bg = Image.composite(Image.new("RGB", (n, n), _SPACE), Image.new("RGB", (n, n), deep), vignette)
    strength = 0.45 + 0.45 * v.intensity
    clouds = _cloud_plan(rng, v, len(palettes))
    for palette_index, cx, cy, radius in clouds:
        choices = palettes[palette_index]
        if v.motif == "moon":  # a night sky: indigo and violet clouds, the moon is the light
            choices = [choices[1], _mix(choices[1], (106, 76, 147), 0.6)]
        colour = choices[rng.randrange(len(choices))]
        mask = ImageChops.multiply(_value_noise(rng, n), _blob(n, cx, cy, radius, radius * 0.8))
        lut = [min(255, round(255 * strength * (i / 255) ** 0.8 * 1.6)) for i in range(256)]
        bg = Image.composite(Image.new("RGB", (n, n), colour), bg, mask.point(lut))
    return bg.resize((SIZE, SIZE), Image.Resampling.BICUBIC)


def _cloud_plan(
    rng: random.Random, v: Visual, palettes: int
) -> list[tuple[int, float, float, float]]:
    if v.motif == "compatibility":
        spread = 0.18 + 0.14 * v.blend  # high scores reach further into each other
        plan = []
        for _ in range(3):
            plan.append(
                (
                    0,
                    0.28 + rng.uniform(-0.08, spread),
                    rng.uniform(0.25, 0.75),
                    rng.uniform(0.22, 0.34),
                )
            )
            plan.append(
                (
                    1,
                    0.72 - rng.uniform(-0.08, spread),
                    rng.uniform(0.25, 0.75),
                    rng.uniform(0.22, 0.34),
                )
            )
        rng.shuffle(plan)
        return plan
    count = 3 + round(2 * v.intensity)
    return [
        (i % palettes, rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.38))
        for i in range(count)
    ]


# --- crisp elements ----------------------------------------------------------------------------


def _stars(rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image) -> None:
    draw, glow_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(glow)
    tint = _rgb(v.palettes[0][1])
    for _ in range(260 + round(420 * v.intensity)):
        x, y = rng.uniform(0, SIZE), rng.uniform(0, SIZE)
        b = rng.random() ** 3
        colour = _mix((255, 255, 255), tint, rng.random() * 0.4)
        r = 0.6 + 1.6 * b
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_scale(colour, 0.45 + 0.55 * b))
    for _ in range(6 + round(10 * v.intensity)):
        x, y = rng.uniform(40, SIZE - 40), rng.uniform(40, SIZE - 40)
        _sparkle(draw, glow_draw, x, y, rng.uniform(8, 18), _mix((255, 255, 255), tint, 0.3))


def _sparkle(
    draw: ImageDraw.ImageDraw, glow: ImageDraw.ImageDraw, x: float, y: float, r: float, c: RGB
) -> None:
    draw.line((x - r, y, x + r, y), fill=_scale(c, 0.8), width=1)
    draw.line((x, y - r, x, y + r), fill=_scale(c, 0.8), width=1)
    draw.ellipse((x - 2.2, y - 2.2, x + 2.2, y + 2.2), fill=(255, 255, 255))
    glow.ellipse((x - r * 0.9, y - r * 0.9, x + r * 0.9, y + r * 0.9), fill=_scale(c, 0.55))


def _constellation(
    sign: Sign,
    box: tuple[float, float, float, float],
    colour: RGB,
    canvas: Image.Image,
    glow: Image.Image,
    strength: float = 1.0,
) -> None:
    points, edges = CONSTELLATIONS[sign]
    x0, y0, x1, y1 = box
    xy = [(x0 + px * (x1 - x0), y0 + py * (y1 - y0)) for px, py in points]
    line_layer = Image.new("L", canvas.size)
    ld = ImageDraw.Draw(line_layer)
    for a, b in edges:
        ld.line((*xy[a], *xy[b]), fill=round(150 * strength), width=3)
    canvas.paste(_mix(colour, (255, 255, 255), 0.45), (0, 0), line_layer)
    draw, glow_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(glow)
    for i, (x, y) in enumerate(xy):
        r = 7.0 if i == 0 else 5.0
        glow_draw.ellipse(
            (x - 4 * r, y - 4 * r, x + 4 * r, y + 4 * r), fill=_scale(colour, strength)
        )
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_mix(colour, (255, 255, 255), 0.75))


def _spiral(
    rng: random.Random,
    draw: ImageDraw.ImageDraw,
    glow: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    radius: float,
    arms: int,
    dots: int,
    colours: Sequence[RGB],
    brightness: float,
    turn: float = 1.0,
) -> None:
    cx, cy = centre
    offset = rng.uniform(0, 2 * math.pi)
    for arm in range(arms):
        base = offset + arm * 2 * math.pi / arms
        for _ in range(dots):
            t = rng.random() ** 0.7
            angle = base + turn * t * 2.6 * math.pi + rng.gauss(0, 0.18 * (1 - t) + 0.05)
            r = t * radius + rng.gauss(0, 10)
            x, y = cx + r * math.cos(angle), cy + r * math.sin(angle) * 0.82
            base_colour = _mix(colours[rng.randrange(len(colours))], (255, 255, 255), 0.35)
            c = _scale(base_colour, brightness * (1.3 - 0.5 * t))
            s = rng.uniform(1.0, 2.8)
            draw.ellipse((x - s, y - s, x + s, y + s), fill=c)
            if rng.random() < 0.35:
                glow.ellipse((x - 7, y - 7, x + 7, y + 7), fill=_scale(c, 0.8))


def _core(
    glow: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, colour: RGB
) -> None:
    cx, cy = centre
    for k in range(6, 0, -1):
        r = radius * k / 6
        glow.ellipse(
            (cx - r, cy - r, cx + r, cy + r), fill=_scale(colour, 0.25 + 0.75 * (6 - k) / 6)
        )


# --- motifs ---------------------------------------------------------------------------------


def _paint_energy(rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image) -> None:
    palette = [_rgb(c) for c in v.palettes[0]]
    draw, glow_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(glow)
    centre = (SIZE * 0.5, SIZE * 0.6)
    arms = 2 + round(3 * v.intensity)
    _spiral(
        rng,
        draw,
        glow_draw,
        centre,
        250 + 170 * v.intensity,
        arms,
        110 + round(420 * v.intensity),
        palette,
        0.55 + 0.6 * v.intensity,
    )
    _core(
        glow_draw,
        centre,
        50 + 90 * v.intensity,
        _mix(palette[1], (255, 255, 255), 0.3 + 0.4 * v.intensity),
    )
    if v.signs:
        _constellation(
            v.signs[0],
            (SIZE * 0.2, SIZE * 0.05, SIZE * 0.8, SIZE * 0.4),
            palette[1],
            canvas,
            glow,
            0.7 + 0.3 * v.intensity,
        )


def _paint_avatar(rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image) -> None:
    sun, moon, rising = ([_rgb(c) for c in p] for p in (v.palettes + v.palettes * 2)[:3])
    glow_draw = ImageDraw.Draw(glow)
    head = (SIZE * 0.5, SIZE * 0.4)
    _core(glow_draw, head, 300, _scale(moon[0], 0.5))
    draw = ImageDraw.Draw(canvas)
    for k, width in ((300, 6), (318, 2)):
        draw.ellipse(
            (head[0] - k, head[1] - k, head[0] + k, head[1] + k), outline=rising[1], width=width
        )
        glow_draw.ellipse(
            (head[0] - k, head[1] - k, head[0] + k, head[1] + k), outline=rising[0], width=14
        )
    if v.signs:
        _constellation(
            v.signs[0],
            (SIZE * 0.14, SIZE * 0.06, SIZE * 0.86, SIZE * 0.72),
            sun[1],
            canvas,
            glow,
            0.8,
        )
    # A serene head-and-shoulders silhouette filled with the sun sign's colours.
    mask = Image.new("L", (SIZE, SIZE))
    md = ImageDraw.Draw(mask)
    hx, hy = head
    md.ellipse((hx - 96, hy - 130, hx + 96, hy + 110), fill=255)
    md.polygon(
        [(hx - 48, hy + 60), (hx + 48, hy + 60), (hx + 58, hy + 200), (hx - 58, hy + 200)], fill=255
    )
    md.ellipse((hx - 340, hy + 175, hx + 340, hy + 900), fill=255)
    body = Image.linear_gradient("L").resize((SIZE, SIZE))
    fill = Image.composite(
        Image.new("RGB", (SIZE, SIZE), _scale(sun[2], 0.35)),
        Image.new("RGB", (SIZE, SIZE), _scale(sun[0], 0.55)),
        body,
    )
    canvas.paste(fill, (0, 0), mask)
    rim = mask.filter(ImageFilter.FIND_EDGES).filter(ImageFilter.MaxFilter(5))
    canvas.paste(_mix(sun[1], (255, 255, 255), 0.5), (0, 0), rim)
    glow.paste(sun[1], (0, 0), rim)
    # Stardust inside the figure.
    for _ in range(140):
        x, y = rng.uniform(SIZE * 0.2, SIZE * 0.8), rng.uniform(SIZE * 0.4, SIZE)
        if mask.getpixel((int(x), int(y))):
            s = rng.uniform(0.8, 2.2)
            draw.ellipse((x - s, y - s, x + s, y + s), fill=_mix(moon[1], (255, 255, 255), 0.5))


def _paint_compatibility(
    rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image
) -> None:
    a = [_rgb(c) for c in v.palettes[0]]
    b = [_rgb(c) for c in v.palettes[-1]]
    draw, glow_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(glow)
    gap = 0.2 - 0.09 * v.blend  # the closer the match, the closer the two swirls
    left, right = (SIZE * (0.5 - gap), SIZE * 0.55), (SIZE * (0.5 + gap), SIZE * 0.55)
    _spiral(rng, draw, glow_draw, left, 230, 3, 260, a, 0.9, turn=1.0)
    _spiral(rng, draw, glow_draw, right, 230, 3, 260, b, 0.9, turn=-1.0)
    _core(glow_draw, left, 70, a[1])
    _core(glow_draw, right, 70, b[1])
    # The bridge where the two meet: a braid of both palettes, brighter for a higher score.
    for i in range(420):
        t = i / 419
        x = left[0] + (right[0] - left[0]) * t
        for phase, colour in ((0.0, a[0]), (math.pi, b[0])):
            y = left[1] + math.sin(t * 3 * math.pi + phase) * 60 * (0.4 + v.blend)
            c = _scale(_mix(colour, (255, 255, 255), 0.3), 0.4 + 0.8 * v.blend)
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=c)
            glow_draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=_scale(c, 0.6))
    _core(
        glow_draw,
        (SIZE * 0.5, left[1]),
        40 + 120 * v.blend,
        _mix(_mix(a[1], b[1], 0.5), (255, 255, 255), 0.4),
    )
    if v.signs:
        _constellation(
            v.signs[0],
            (SIZE * 0.04, SIZE * 0.04, SIZE * 0.46, SIZE * 0.34),
            a[1],
            canvas,
            glow,
            0.8,
        )
        _constellation(
            v.signs[-1],
            (SIZE * 0.54, SIZE * 0.04, SIZE * 0.96, SIZE * 0.34),
            b[1],
            canvas,
            glow,
            0.8,
        )


def moon_mask(diameter: int, elongation: float) -> Image.Image:
    """The lit part of a moon disc for a Sun-Moon elongation in degrees (0 new, 180 full).

    Waxing phases are lit on the right, waning on the left, as seen from the northern
    hemisphere; each row of the disc is lit from the terminator to the limb.
    """
    mask = Image.new("L", (diameter, diameter))
    draw = ImageDraw.Draw(mask)
    radius = diameter / 2
    e = math.radians(elongation % 360)
    waxing = (elongation % 360) <= 180
    for row in range(diameter):
        y = row + 0.5 - radius
        half = math.sqrt(max(0.0, radius * radius - y * y))
        if waxing:
            x_from, x_to = half * math.cos(e), half
        else:
            x_from, x_to = -half, -half * math.cos(2 * math.pi - e)
        if x_to - x_from >= 0.5:
            draw.line((radius + x_from, row, radius + x_to, row), fill=255)
    return mask


def _paint_moon(rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image) -> None:
    pale, deep, cream = (_rgb(c) for c in v.palettes[0])
    elongation = v.moon_elongation if v.moon_elongation is not None else 180.0
    lit = (1 - math.cos(math.radians(elongation))) / 2
    diameter, cx, cy = 380, SIZE * 0.5, SIZE * 0.36
    x0, y0 = round(cx - diameter / 2), round(cy - diameter / 2)
    glow_draw = ImageDraw.Draw(glow)
    _core(glow_draw, (cx, cy), diameter * (0.5 + 0.3 * lit), _scale(pale, 0.15 + 0.35 * lit))
    disc = Image.new("L", (diameter, diameter))
    ImageDraw.Draw(disc).ellipse((0, 0, diameter - 1, diameter - 1), fill=255)
    # Earthshine: the dark part of the disc stays faintly visible.
    canvas.paste(_mix(_SPACE, deep, 0.3), (x0, y0), disc)
    surface = Image.new("RGB", (diameter, diameter), cream)
    sd = ImageDraw.Draw(surface)
    for _ in range(40):
        r = rng.uniform(5, 34)
        x, y = rng.uniform(r, diameter - r), rng.uniform(r, diameter - r)
        sd.ellipse((x - r, y - r, x + r, y + r), fill=_mix(cream, pale, rng.uniform(0.1, 0.45)))
    surface = surface.filter(ImageFilter.GaussianBlur(3))
    lit_mask = ImageChops.multiply(moon_mask(diameter, elongation), disc).filter(
        ImageFilter.GaussianBlur(1.5)
    )
    canvas.paste(surface, (x0, y0), lit_mask)
    ImageDraw.Draw(canvas).ellipse(
        (x0, y0, x0 + diameter, y0 + diameter), outline=_scale(pale, 0.6), width=2
    )
    # The ritual below: still water with the moon's reflection, a ring of candles, crystals.
    draw = ImageDraw.Draw(canvas)
    horizon = SIZE * 0.72
    water = Image.linear_gradient("L").resize((SIZE, round(SIZE - horizon)))
    canvas.paste(
        Image.composite(
            Image.new("RGB", water.size, _scale(deep, 0.35)),
            Image.new("RGB", water.size, _mix(_SPACE, deep, 0.6)),
            water,
        ),
        (0, round(horizon)),
    )
    for i in range(40):
        y = horizon + 6 + i * 6.5
        w = (20 + rng.uniform(0, 100)) * (0.2 + lit) * (1 - i / 80)
        shift = rng.uniform(-12, 12)
        draw.line(
            (cx - w + shift, y, cx + w + shift, y),
            fill=_scale(cream, 0.15 + 0.55 * lit * (1 - i / 40)),
            width=2,
        )
    for k in range(7):
        angle = math.pi * (0.15 + 0.7 * k / 6)
        x, y = cx - math.cos(angle) * 360, horizon + 40 + math.sin(angle) * 170
        draw.rectangle((x - 9, y - 46, x + 9, y), fill=(236, 226, 206))
        draw.ellipse((x - 6, y - 68, x + 6, y - 48), fill=(255, 214, 120))
        glow_draw.ellipse((x - 30, y - 88, x + 30, y - 28), fill=(255, 170, 70))
    for k in range(4):
        x = cx + (k - 1.5) * 110
        y = horizon + 150 + (k % 2) * 30
        draw.polygon(
            [(x, y - 60), (x + 22, y - 10), (x, y + 4), (x - 22, y - 10)],
            fill=_mix(pale, deep, 0.3),
        )
        glow_draw.ellipse((x - 30, y - 70, x + 30, y + 10), fill=_scale(pale, 0.5))


def _paint_group(rng: random.Random, v: Visual, canvas: Image.Image, glow: Image.Image) -> None:
    """3 to 6 energies in a ring, each a small swirl with its constellation, joined by
    threads of both colours that grow brighter (and the ring tighter) with the score."""
    palettes = [[_rgb(c) for c in palette] for palette in v.palettes]
    count = len(palettes)
    draw, glow_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(glow)
    ring = SIZE * (0.33 - 0.06 * v.blend)
    centre = (SIZE * 0.5, SIZE * 0.52)
    points = [
        (
            centre[0] + ring * math.cos(2 * math.pi * i / count - math.pi / 2),
            centre[1] + ring * math.sin(2 * math.pi * i / count - math.pi / 2),
        )
        for i in range(count)
    ]
    for i in range(count):  # every pair joined: a braid of the two palettes
        for j in range(i + 1, count):
            (x0, y0), (x1, y1) = points[i], points[j]
            for step in range(90):
                t = step / 89
                colour = _mix(palettes[i][0], palettes[j][0], t)
                c = _scale(_mix(colour, (255, 255, 255), 0.25), 0.3 + 0.7 * v.blend)
                x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=c)
                glow_draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=_scale(c, 0.5))
    swirl = SIZE * (0.12 if count <= 4 else 0.095)
    for i, point in enumerate(points):
        _spiral(rng, draw, glow_draw, point, swirl, 2, 90, palettes[i], 0.9, turn=1 - 2 * (i % 2))
        _core(glow_draw, point, swirl * 0.35, palettes[i][1])
        if i < len(v.signs):
            half = swirl * 1.05
            box = (point[0] - half, point[1] - half, point[0] + half, point[1] + half)
            _constellation(v.signs[i], box, palettes[i][1], canvas, glow, 0.7)
    blended = palettes[0][1]
    for palette in palettes[1:]:
        blended = _mix(blended, palette[1], 0.5)
    _core(glow_draw, centre, 30 + 110 * v.blend, _mix(blended, (255, 255, 255), 0.4))


_MOTIFS = {
    "energy": _paint_energy,
    "avatar": _paint_avatar,
    "compatibility": _paint_compatibility,
    "group": _paint_group,
    "moon": _paint_moon,
}


def from_config(_config: ProviderConfig) -> ProceduralProvider:
    """``procedural``: the offline default; it needs no configuration."""
    return ProceduralProvider()
