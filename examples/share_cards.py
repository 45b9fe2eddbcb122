"""Share cards of every category in every format, and a contact sheet of them.

    python examples/share_cards.py docs/images/share-cards.jpg

Runs on the embedded default (a temporary SQLite database, the procedural provider): makes one
image of each category as a universe user, asks for its card in each of the seed's four
formats, and lays the cards out in one picture, a row per category.
"""

from __future__ import annotations

import sys
import tempfile
from io import BytesIO
from pathlib import Path

from PIL import Image

from cosmic_images import CosmicImages, Settings, User
from cosmic_images.zodiac import CardFormat

ROW_HEIGHT = 420
GAP = 16


def main(sheet: Path) -> Path:
    user = User(id="contact-sheet", tier="universe")
    with (
        tempfile.TemporaryDirectory() as data,
        CosmicImages.from_settings(Settings(data_dir=Path(data), provider="procedural")) as svc,
    ):
        made = [
            svc.generate_daily_energy(
                user, {"sign": "leo", "date": "2025-01-23", "energyLevel": 8}
            ),
            svc.generate_avatar(
                user, {"sunSign": "scorpio", "moonSign": "cancer", "risingSign": "aquarius"}
            ),
            svc.generate_compatibility(
                user,
                {"user1": {"sign": "aries"}, "user2": {"sign": "libra"}, "compatibilityScore": 85},
            ),
            svc.generate_moon_ritual(user, {"phase": "waxing_crescent"}),
        ]
        rows = [
            [
                Image.open(BytesIO(svc.share_card(user, result.image_id, card_format)))
                for card_format in CardFormat
            ]
            for result in made
        ]
    scaled = [
        [card.resize((round(card.width * ROW_HEIGHT / card.height), ROW_HEIGHT)) for card in row]
        for row in rows
    ]
    width = max(sum(card.width for card in row) + GAP * (len(row) + 1) for row in scaled)
    height = len(scaled) * (ROW_HEIGHT + GAP) + GAP
    out = Image.new("RGB", (width, height), (18, 16, 28))
    y = GAP
    for row in scaled:
        x = GAP
        for card in row:
            out.paste(card, (x, y))
            x += card.width + GAP
        y += ROW_HEIGHT + GAP
    out.save(sheet, quality=85)
    return sheet


if __name__ == "__main__":
    print(main(Path(sys.argv[1] if len(sys.argv) > 1 else "share-cards.jpg")))
