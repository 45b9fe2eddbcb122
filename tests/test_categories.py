"""A host's own category says what makes a request premium and what its shared variant is."""

from __future__ import annotations

import dataclasses

import pytest

from cosmic_images import CosmicImages, NotEntitled, PromptSpec, RequestModel, User, Visual
from cosmic_images.policy import load_policy
from cosmic_images.prompts import BuildContext, default_prompt_registry
from cosmic_images.schemas import Phrase, SignField
from cosmic_images.testing import CountingProvider
from cosmic_images.zodiac import sign_info

from .conftest import ServiceFactory


class TarotRequest(RequestModel):
    sign: SignField
    card: Phrase
    spread: int = 1
    personalized: bool = True


def build_tarot(request: TarotRequest, ctx: BuildContext) -> PromptSpec:
    info = sign_info(request.sign)
    identity: dict[str, object] = {"sign": info.sign.value, "date": ctx.today.isoformat()}
    if request.personalized:
        identity |= {"card": request.card, "spread": request.spread}
    return PromptSpec(
        category="tarot",
        prompt=f"Tarot art of {request.card} for {info.name}. No text.",
        quality=ctx.quality,
        visual=Visual(motif="energy", palettes=(info.palette,), signs=(info.sign,)),
        description=f"{request.card} for {info.name}",
        identity=identity,
        shared=not request.personalized,
    )


def tarot_service(make_service: ServiceFactory) -> CosmicImages:
    registry = default_prompt_registry()
    registry.register(
        "tarot",
        TarotRequest,
        build_tarot,
        is_custom=lambda r: r.spread > 1,  # a multi-card spread is the premium one
        shared_variant=lambda r: r.model_copy(update={"personalized": False}),
    )
    base = load_policy()
    tiers = dict(base.tiers)
    tiers["cosmic"] = dataclasses.replace(tiers["cosmic"], categories=frozenset({"tarot"}))
    tiers["free"] = dataclasses.replace(tiers["free"], view_cached=frozenset({"tarot"}))
    tiers["universe"] = dataclasses.replace(
        tiers["universe"], categories=tiers["universe"].categories | {"tarot"}
    )
    policy = dataclasses.replace(base, tiers=tiers)
    return make_service(prompts=registry, policy=policy)


@pytest.fixture
def svc(make_service: ServiceFactory) -> CosmicImages:
    return tarot_service(make_service)


def test_the_category_decides_what_is_premium(
    svc: CosmicImages, provider: CountingProvider
) -> None:
    cosmic, universe = User(id="c", tier="cosmic"), User(id="u", tier="universe")
    assert svc.generate(cosmic, "tarot", {"sign": "leo", "card": "the star"}).cached is False
    with pytest.raises(NotEntitled) as excinfo:
        svc.generate(cosmic, "tarot", {"sign": "leo", "card": "the star", "spread": 3})
    assert excinfo.value.required_tier == "universe"
    assert "custom tarot images" in excinfo.value.message
    premium = svc.generate(universe, "tarot", {"sign": "leo", "card": "the star", "spread": 3})
    assert premium.cached is False
    assert provider.count == 2


def test_a_view_only_tier_sees_the_categorys_shared_variant(
    svc: CosmicImages, provider: CountingProvider
) -> None:
    free = User(id="f", tier="free")
    with pytest.raises(NotEntitled, match="shared tarot image is not ready yet"):
        svc.generate(free, "tarot", {"sign": "leo", "card": "the moon"})
    shared = svc.generate(
        User(id="c", tier="cosmic"), "tarot", {"sign": "leo", "card": "x", "personalized": False}
    )
    seen = svc.generate(free, "tarot", {"sign": "leo", "card": "the moon"})
    assert (seen.image_id, seen.cached) == (shared.image_id, True)
    assert provider.count == 1
