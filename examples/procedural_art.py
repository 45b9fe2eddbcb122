"""The offline artwork of every category over several signs, on one contact sheet.

    python examples/procedural_art.py docs/images/procedural-art.jpg

Runs on the embedded default (a temporary SQLite database, the procedural provider, no API
key) as a universe user. One row per category, eight pictures a row: daily energy for eight
signs (energy rising along the row), eight avatars (sun, moon and rising signs), eight couples
(compatibility rising from 15 to 95), eight groups of three to six signs, and the moon ritual
in each of its eight phases.
"""

from __future__ import annotations

import sys
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

from cosmic_images import CosmicImages, Settings, User
from cosmic_images.zodiac import MoonPhase, Sign

TILE = 240
GAP = 12
SIGNS = list(Sign)


def requests() -> list[tuple[str, list[dict[str, Any]]]]:
    """Each row's category and its eight requests."""
    return [
        (
            "daily_energy",
            [
                {"sign": SIGNS[i].value, "date": "2025-01-23", "energyLevel": 3 + i}
                for i in range(0, 8)
            ],
        ),
        (
            "avatar",
            [
                {
                    "sunSign": SIGNS[i].value,
                    "moonSign": SIGNS[(i + 5) % 12].value,
                    "risingSign": SIGNS[(i + 9) % 12].value,
                }
                for i in range(4, 12)
            ],
        ),
        (
            "compatibility",
            [
                {
                    "user1": {"sign": SIGNS[i].value},
                    "user2": {"sign": SIGNS[(i + 4 + i % 3) % 12].value},
                    "compatibilityScore": 15 + 80 * k // 7,
                }
                for k, i in enumerate((0, 3, 5, 7, 8, 10, 1, 4))
            ],
        ),
        (
            "group",
            [
                {"signs": signs.split(), "score": score}
                for signs, score in (
                    ("aries leo sagittarius", 90),
                    ("taurus virgo capricorn", 35),
                    ("gemini libra aquarius pisces", 70),
                    ("cancer scorpio pisces", 55),
                    ("aries cancer libra capricorn", 20),
                    ("leo virgo libra scorpio sagittarius", 80),
                    ("taurus gemini cancer leo virgo libra", 60),
                    ("aquarius aries gemini", 95),
                )
            ],
        ),
        ("moon_ritual", [{"phase": phase.value} for phase in MoonPhase]),
    ]


def main(sheet: Path) -> Path:
    user = User(id="contact-sheet", tier="universe")
    rows = requests()
    width = len(rows[0][1]) * (TILE + GAP) + GAP
    out = Image.new("RGB", (width, len(rows) * (TILE + GAP) + GAP), (12, 10, 22))
    with (
        tempfile.TemporaryDirectory() as data,
        CosmicImages.from_settings(Settings(data_dir=Path(data), provider="procedural")) as svc,
    ):
        generate = {
            "daily_energy": svc.generate_daily_energy,
            "avatar": svc.generate_avatar,
            "compatibility": svc.generate_compatibility,
            "group": svc.generate_group,
            "moon_ritual": svc.generate_moon_ritual,
        }
        for r, (category, bodies) in enumerate(rows):
            for c, body in enumerate(bodies):
                result = generate[category](user, body)
                with Image.open(BytesIO(svc.image_bytes(user, result.image_id))) as picture:
                    tile = picture.convert("RGB").resize((TILE, TILE), Image.Resampling.LANCZOS)
                out.paste(tile, (GAP + c * (TILE + GAP), GAP + r * (TILE + GAP)))
    out.save(sheet, quality=88)
    return sheet


if __name__ == "__main__":
    print(main(Path(sys.argv[1] if len(sys.argv) > 1 else "procedural-art.jpg")))
