"""Run in a separate process by tests/test_analytics.py: threads sharing and favouriting one
image at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, Settings, User
from cosmic_images.testing import CountingProvider

THREADS = 8
SHARES_PER_THREAD = 10


def run(settings: dict[str, Any], image_id: str, process: int, start: Any) -> int:
    settings = {**settings, "data_dir": Path(settings["data_dir"])}
    with CosmicImages.from_settings(Settings(**settings), provider=CountingProvider()) as svc:
        fan = User(id="fan", tier="cosmic")  # every process favourites as the same user
        start.wait()

        def act(thread: int) -> int:
            user = User(id=f"sharer-{process}-{thread}", tier="cosmic")
            for _ in range(SHARES_PER_THREAD):
                svc.record_share(user, image_id, "instagram")
            svc.favorite(fan, image_id)
            svc.favorite(user, image_id)
            return SHARES_PER_THREAD

        with ThreadPoolExecutor(THREADS) as pool:
            return sum(pool.map(act, range(THREADS)))
