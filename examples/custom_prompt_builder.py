"""Add a category, or replace a built-in prompt builder, without editing the package.

python examples/custom_prompt_builder.py
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from cosmic_images import CosmicImages, PromptSpec, RequestModel, Settings, User, Visual
from cosmic_images.policy import load_policy
from cosmic_images.prompts import BuildContext, build_moon_ritual, default_prompt_registry
from cosmic_images.schemas import MoonRitualRequest, Phrase, SignField
from cosmic_images.zodiac import sign_info


class TarotRequest(RequestModel):
    """A new category's request: validated like the built-in ones (camelCase, allowlists)."""

    sign: SignField
    card: Phrase


def build_tarot(request: TarotRequest, ctx: BuildContext) -> PromptSpec:
    info = sign_info(request.sign)
    prompt = (
        f"Mystical tarot card art of {request.card} for a {info.name}.\n"
        f"Color palette: {', '.join(info.palette)}\n"
        "Style: Dreamy, mystical, cosmic, spiritual art\n"
        "No text, letters, numbers or written symbols anywhere in the image."
    )
    return PromptSpec(
        category="tarot",
        prompt=prompt,
        quality=ctx.quality,
        visual=Visual(motif="energy", palettes=(info.palette,), signs=(info.sign,)),
        description=f"Your tarot card: {request.card}",
        identity={"sign": info.sign.value, "card": request.card},
    )


def build_moon_ritual_with_intention(request: MoonRitualRequest, ctx: BuildContext) -> PromptSpec:
    """The built-in moon builder, with one more line of house style."""
    spec = build_moon_ritual(request, ctx)
    extra = "Mood: quiet intention, warm candlelight\nNo text"
    return dataclasses.replace(spec, prompt=spec.prompt.replace("No text", extra))


def main(data_dir: Path) -> list[str]:
    registry = default_prompt_registry()
    registry.register("tarot", TarotRequest, build_tarot)
    registry.register(
        "moon_ritual", MoonRitualRequest, build_moon_ritual_with_intention, replace=True
    )
    # A custom category needs a tier that lists it; here, a policy where universe may.
    policy = load_policy().with_category("universe", "tarot")
    settings = Settings(data_dir=data_dir)
    with CosmicImages.from_settings(settings, prompts=registry, policy=policy) as svc:
        user = User(id="demo", tier="universe")
        tarot = svc.generate(user, "tarot", {"sign": "scorpio", "card": "the star"})
        moon = svc.generate_moon_ritual(user, {"phase": "full_moon"})
        print(tarot.to_api())
        print(moon.prompt)
        return [tarot.prompt, moon.prompt]


if __name__ == "__main__":
    main(Path(tempfile.mkdtemp()))
