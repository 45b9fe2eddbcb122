"""Group compatibility: 3 to 6 signs, one artwork, cached by the sorted signs, with a card;
from the library, the CLI and the web route."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from PIL import Image
from typer.testing import CliRunner

from cosmic_images import CosmicImages, InvalidRequest, NotEntitled, User
from cosmic_images.cli import app
from cosmic_images.sharing import SHARE_TEXTS, card_data

from .conftest import ServiceFactory
from .test_web import Client

UNIVERSE = User(id="uni", tier="universe")
TRIO = {"signs": ["pisces", "aries", "leo"], "score": 72}


def test_a_group_is_one_picture_whatever_the_order(service: CosmicImages) -> None:
    made = service.generate(UNIVERSE, "group", TRIO)
    assert made.description == "Aries, Leo and Pisces: 72% group harmony"
    again = service.generate(
        User(id="friend", tier="universe"),
        "group",
        {"signs": ["leo", "pisces", "aries"], "score": 72},
    )
    assert again.cached and again.image_id == made.image_id
    other = service.generate(UNIVERSE, "group", {**TRIO, "score": 40})
    assert other.image_id != made.image_id  # the score shapes the picture


def test_its_card_shows_every_glyph(service: CosmicImages) -> None:
    made = service.generate(
        UNIVERSE, "group", {"signs": ["aries", "taurus", "gemini", "cancer"], "score": 90}
    )
    record = service.get_image(UNIVERSE, made.image_id)
    data = card_data(record, SHARE_TEXTS["group"], service._parts.pipeline.timezone)
    assert data.glyphs == ("\u2648", "\u2649", "\u264a", "\u264b")
    assert data.title == "Aries, Taurus, Gemini, Cancer \u00b7 90% Group Harmony"
    card = service.share_card(UNIVERSE, made.image_id, "instagram_story")
    assert Image.open(BytesIO(card)).size == (1080, 1920)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signs": ["aries", "leo"], "score": 50}, "signs"),
        (
            {
                "signs": ["aries", "leo", "virgo", "libra", "pisces", "taurus", "cancer"],
                "score": 50,
            },
            "signs",
        ),
        ({"signs": ["aries", "aries", "leo"], "score": 50}, "signs"),
        ({"signs": ["aries", "leo", "ophiuchus"], "score": 50}, "signs"),
        ({"signs": ["aries", "leo", "virgo"], "score": 101}, "score"),
        ({"signs": ["aries", "leo", "virgo"], "score": "72"}, "score"),
    ],
)
def test_bad_groups_are_invalid(service: CosmicImages, body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        service.generate(UNIVERSE, "group", body)
    assert caught.value.field is not None and caught.value.field.startswith(field)


def test_only_universe_makes_groups(service: CosmicImages) -> None:
    with pytest.raises(NotEntitled) as refused:
        service.generate(User(id="c", tier="cosmic"), "group", TRIO)
    assert refused.value.required_tier == "universe"


def test_from_the_cli_and_the_web(make_service: ServiceFactory) -> None:
    svc = make_service()
    result = CliRunner().invoke(
        app,
        ["generate", "group", "--sign", "aries", "--sign", "leo", "--sign", "pisces",
         "--score", "72", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    image_id = json.loads(result.stdout)["data"]["imageId"]
    for kind in ("fastapi", "flask"):
        web = Client(kind, svc)
        status, _, body = web.call("POST", "/api/images/generate/group", json_body=TRIO)
        assert status == 200 and body["data"]["imageId"] == image_id and body["data"]["cached"]
        status, headers, card = web.call("POST", f"/api/images/share/{body['data']['imageId']}")
        assert status == 200 and headers["content-type"] == "image/png"
        assert Image.open(BytesIO(card)).size == (1080, 1080)
