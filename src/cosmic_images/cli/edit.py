"""``cosmic-images edit IMAGE_ID "more purple"``: a new image, an edit of a stored one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import JsonOpt, OutputOpt, ProviderOpt, TierOpt
from .generate import run_and_show

if TYPE_CHECKING:
    from ..schemas import GenerationResult, User
    from ..service import CosmicImages


def edit(
    image_id: Annotated[str, typer.Argument(help="The image to edit.")],
    instruction: Annotated[
        str,
        typer.Argument(
            help='What to change: "more purple" (or blue, teal, green, gold, red, pink), '
            '"more stars", "fewer stars", "brighter", "softer", "warmer", "cooler".'
        ),
    ],
    user_id: Annotated[str, typer.Option("--user-id", help="Whose gallery gets it.")] = "cli",
    tier: TierOpt = "universe",
    provider: ProviderOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a new image from a stored one, changed as the instruction says."""

    def make(svc: CosmicImages, user: User) -> GenerationResult:
        return svc.edit_image(user, image_id, instruction)

    run_and_show(
        make, user_id=user_id, tier=tier, provider=provider, output=output, as_json=as_json
    )
