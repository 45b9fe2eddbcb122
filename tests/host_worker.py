"""Run in another process by tests/test_s3.py: a second host with a data folder of its own
reads what the first made (bytes, a card, the gallery) from the shared stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, Settings, User


def read(settings: dict[str, Any], user_id: str, image_id: str) -> dict[str, Any]:
    user = User(id=user_id, tier="cosmic")
    chosen = Settings(**{**settings, "data_dir": Path(settings["data_dir"])})
    with CosmicImages.from_settings(chosen) as svc:
        return {
            "bytes": svc.image_bytes(user, image_id),
            "card": svc.share_card(user, image_id, "instagram_square"),
            "gallery": [item.image_id for item in svc.gallery(user).images],
            "url": svc.get_image(user, image_id).image_url,
        }
