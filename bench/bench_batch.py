"""The batch's wall time against its floor, and against the seed's sequential batch.

    python bench/bench_batch.py [--latency 2.0] [--runs 3]

A provider of fixed latency L makes the day's 12 images with concurrency N under a shared
rate limit of R calls per minute. The issue's floor is ``max(ceil(12 / N) * L, (12 - 1) * 60 /
R)``: the concurrency bound or the rate bound. The rate bound there is when the last call
*starts*; the batch ends when it returns, one latency later, and when both bounds bite, each
wave waits for its rate slots too. The achievable floor is therefore computed by scheduling
the 12 calls greedily under both limits (each starts as soon as a worker is free and its rate
slot has come). Prints, per configuration, the median wall time of fresh runs, its ratio to
both floors (target: within 15%), and the speed-up over the seed's sequential batch with 2 s
pauses (``12 * L + 11 * 2``).
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from cosmic_images import CosmicImages, GeneratedImage, PromptSpec, Settings
from cosmic_images.providers import ProviderConfig, register_provider

IMAGES = 12


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 20, 90)).save(out, format="PNG")
    return out.getvalue()


class FixedLatency:
    """A remote-looking provider: every call waits ``latency`` seconds, as a network call does,
    and answers with small ready bytes (no drawing on this machine's two cores)."""

    name = "fixed-latency"
    model = "fixed-latency-1"
    latency = 0.5
    data = _png()

    def generate(self, spec: PromptSpec, *, end_user: str | None = None) -> GeneratedImage:
        time.sleep(self.latency)
        return GeneratedImage(
            data=self.data, width=64, height=64, model=self.model, provider=self.name
        )


def _factory(_config: ProviderConfig) -> FixedLatency:
    return FixedLatency()


def achievable_floor(concurrency: int, latency: float, interval: float) -> float:
    """The earliest the last of 12 calls can end with ``concurrency`` workers and starts at
    least ``interval`` apart."""
    free, next_slot, end = [0.0] * concurrency, 0.0, 0.0
    for _ in range(IMAGES):
        worker = free.index(min(free))
        start = max(free[worker], next_slot)
        next_slot, free[worker] = start + interval, start + latency
        end = max(end, start + latency)
    return end


def one_run(concurrency: int, per_minute: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), provider="fixed-latency", rate_limit=per_minute, rate_limit_wait=120
        )
        with CosmicImages.from_settings(settings) as svc:
            began = time.monotonic()
            report = svc.batch_generate("2025-01-23", concurrency=concurrency)
            took = time.monotonic() - began
            assert report.succeeded == IMAGES, report.summary()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    FixedLatency.latency = args.latency
    register_provider("fixed-latency", _factory)
    sequential = IMAGES * args.latency + (IMAGES - 1) * 2.0
    print(f"provider latency L = {args.latency} s; seed's sequential batch: {sequential:.1f} s")
    for concurrency, per_minute in ((4, 600.0), (6, 120.0), (2, 600.0), (4, 60.0)):
        waves = math.ceil(IMAGES / concurrency) * args.latency
        spacing = (IMAGES - 1) * 60 / per_minute
        floor = max(waves, spacing)
        exact = achievable_floor(concurrency, args.latency, 60 / per_minute)
        median = statistics.median(one_run(concurrency, per_minute) for _ in range(args.runs))
        print(
            f"N={concurrency} R={per_minute:g}/min: median {median:6.2f} s; issue's floor "
            f"{floor:5.2f} s, ratio {median / floor:4.2f}; achievable floor {exact:5.2f} s, ratio "
            f"{median / exact:4.2f} (target <= 1.15); speed-up {sequential / median:4.1f}x"
        )


if __name__ == "__main__":
    main()
