"""Run in a separate process by tests/test_cleanup.py: keeps generating while cleanup runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, Settings, User


def generate(settings: dict[str, Any], rounds: int, started: Any) -> list[str]:
    settings = {**settings, "data_dir": Path(settings["data_dir"])}
    made: list[str] = []
    with CosmicImages.from_settings(Settings(**settings)) as svc:
        user = User(id="busy-user", tier="universe")
        started.set()
        for i in range(rounds):
            body = {
                "sign": "virgo",
                "date": "2025-03-01",
                "energyLevel": 1 + i % 10,
                "mood": "calm",
                "focus": f"{'career' if i < 10 else 'love'}",
            }
            made.append(svc.generate_daily_energy(user, body).image_id)
    return made
