"""Run in separate processes by tests/test_never_pay_twice.py: threads asking for one picture.

Each process builds the service from settings as an application would (the openai provider
against the test's local Images API), waits for every process, then asks from ``threads``
threads at once and reports each caller's outcome and how long it took.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cosmic_images import CosmicImages, CosmicImagesError, Settings, User

MOON = {"phase": "full_moon"}
UNIVERSE = User(id="universe-1", tier="universe")


def service(settings: dict[str, Any]) -> CosmicImages:
    return CosmicImages.from_settings(
        Settings(**{**settings, "data_dir": Path(settings["data_dir"])})
    )


def run(settings: dict[str, Any], threads: int, start: Any) -> list[tuple[str, float]]:
    """``(image id or error code, seconds)`` for each of ``threads`` callers."""
    with service(settings) as svc:
        barrier = threading.Barrier(threads)
        start.wait()

        def ask(thread: int) -> tuple[str, float]:
            # Each caller a user of their own: one picture, many people (and no one user's
            # request rate in the way).
            caller = User(id=f"universe-{os.getpid()}-{thread}", tier="universe")
            barrier.wait()
            began = time.monotonic()
            try:
                outcome = svc.generate_moon_ritual(caller, MOON).image_id
            except CosmicImagesError as error:
                outcome = error.code
            return outcome, time.monotonic() - began

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(ask, range(threads)))


def hold_and_die(settings: dict[str, Any], started: Any) -> None:
    """Ask once and never come back: the test kills this process mid-call."""
    started.set()
    with service(settings) as svc:
        svc.generate_moon_ritual(UNIVERSE, MOON)
    os._exit(3)  # not reached: the test's server stalls far longer than the test waits
