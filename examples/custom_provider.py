"""Plug your own image provider into cosmic-images.

A provider is anything with ``name``, ``model`` and ``generate(spec) -> GeneratedImage``.
Register it by name (or point COSMIC_IMAGES_PROVIDER at ``module:attribute``).

    python examples/custom_provider.py
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from cosmic_images import CosmicImages, GeneratedImage, PromptSpec, Settings, User
from cosmic_images.providers import register_provider


class GradientProvider:
    """Paints a plain two-colour gradient from the spec's first palette."""

    name = "gradient"
    model = "gradient-v1"

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        top, _, bottom = spec.visual.palettes[0]
        image = Image.new("RGB", (512, 512), top)
        draw = ImageDraw.Draw(image)
        for y in range(256, 512):
            draw.line((0, y, 511, y), fill=bottom)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return GeneratedImage(
            data=out.getvalue(),
            width=512,
            height=512,
            model=self.model,
            provider=self.name,
            quality=spec.quality.value,
        )


register_provider("gradient", lambda config: GradientProvider())


def main(data_dir: Path) -> str:
    settings = Settings(data_dir=data_dir, provider="gradient")
    with CosmicImages.from_settings(settings) as svc:
        result = svc.generate_daily_energy(
            User(id="demo", tier="cosmic"), {"sign": "leo", "energyLevel": 9}
        )
        print(result.to_api())
        return result.model


if __name__ == "__main__":
    main(Path(tempfile.mkdtemp()))
