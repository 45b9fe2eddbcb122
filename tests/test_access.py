"""Only the people an image belongs to can read it; everyone else gets NotFound."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from cosmic_images import CosmicImages, NotFound, User
from cosmic_images.cli import app

from .conftest import ServiceFactory

OWNER = User(id="owner", tier="universe")
STRANGER = User(id="stranger", tier="universe")
ADMIN = User(id="ops", tier="free", is_admin=True)
PRIVATE = {"sunSign": "leo", "moonSign": "pisces", "risingSign": "gemini"}


def spellings(image_id: str) -> list[str]:
    plain = uuid.UUID(image_id)
    return [image_id, image_id.upper(), f"{{{image_id}}}", plain.hex, plain.urn]


def test_the_creator_and_admins_read_a_private_image_others_get_not_found(
    service: CosmicImages,
) -> None:
    made = service.generate_avatar(OWNER, PRIVATE)
    for spelling in spellings(made.image_id):
        assert service.get_image(OWNER, spelling).id == made.image_id
        assert service.get_image(ADMIN, spelling).id == made.image_id
    data = service.image_bytes(OWNER, made.image_id)
    assert data.startswith(b"\x89PNG")
    with pytest.raises(NotFound) as private:
        service.get_image(STRANGER, made.image_id)
    with pytest.raises(NotFound) as missing:
        service.get_image(STRANGER, str(uuid.uuid4()))
    # Worded alike: a stranger cannot tell a private image from one that does not exist.
    assert private.value.message.split("'")[0] == missing.value.message.split("'")[0]
    with pytest.raises(NotFound):
        service.image_bytes(STRANGER, made.image_id)


def test_a_user_it_was_delivered_to_reads_it(service: CosmicImages) -> None:
    made = service.generate_avatar(OWNER, PRIVATE)
    again = service.generate_avatar(STRANGER, PRIVATE)  # the same picture, delivered from cache
    assert (again.image_id, again.cached) == (made.image_id, True)
    assert service.get_image(STRANGER, made.image_id).id == made.image_id


def test_a_shared_image_is_anyones(service: CosmicImages) -> None:
    shared = service.generate_daily_energy(OWNER, {"sign": "aries", "personalized": False})
    assert service.get_image(User(id="anyone", tier="free"), shared.image_id).shared


def test_the_cli_exits_1_with_not_found_for_someone_elses_image(
    make_service: ServiceFactory,
) -> None:
    made = make_service().generate_avatar(OWNER, PRIVATE)
    result = CliRunner().invoke(app, ["image", made.image_id, "--user-id", "stranger", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "not_found"
    mine = CliRunner().invoke(app, ["image", made.image_id, "--user-id", "owner", "--json"])
    assert mine.exit_code == 0, mine.output
    assert json.loads(mine.stdout)["data"]["imageId"] == made.image_id
