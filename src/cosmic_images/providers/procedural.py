"""The procedural provider: offline, free, deterministic cosmic artwork (``procedural-v2``).

It draws from the spec's :class:`~cosmic_images.prompts.Visual` hints, never from the prompt
text: each sign in its own composition, its element as the nebula's shape and a motif, its
constellation and glyph; avatars as a medallion of the sun, moon and rising signs; couples
and groups as orbits drawing together with the score; the moon lit as a sphere above an altar
that follows the phase (``_motifs.py``, drawn with the primitives of ``_art.py``; see
``docs/procedural-art.md``). A motif it does not know (a host's own category) gets the daily
energy composition. The same spec always gives the same bytes (every random choice comes from
generators seeded with the spec's digest, and the PNG is written without timestamps).

It is the default provider when no API key is set, and the fake that tests use.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from ..prompts.spec import PromptSpec
from ._art import Scene
from ._motifs import MOTIFS
from .base import GeneratedImage, ProviderConfig

__all__ = ["ProceduralProvider", "edit", "from_config", "render"]


class ProceduralProvider:
    """Draws the picture locally. ``name`` and ``model`` are ``procedural``/``procedural-v2``.

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
        return "procedural-v2"

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
    scene = Scene(spec.seed)
    painter = MOTIFS.get(spec.visual.motif, MOTIFS["energy"])
    painter(scene, spec.visual)
    return scene.finish()


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


def from_config(_config: ProviderConfig) -> ProceduralProvider:
    """``procedural``: the offline default; it needs no configuration."""
    return ProceduralProvider()
