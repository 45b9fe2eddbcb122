"""Benchmark: the procedural provider's time per 1024x1024 image (target: median <= 150 ms).

Run by hand: ``python bench/bench_procedural.py [--rounds N]``. Prints, per category, the
median and p90 of the whole generate() call, the median of the PNG encode alone, and the ratio
of drawing to encoding, all measured in this one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time

from cosmic_images.prompts import BuildContext, PromptSpec, default_prompt_registry
from cosmic_images.providers.procedural import ProceduralProvider, render
from cosmic_images.schemas import parse_request
from cosmic_images.zodiac import MoonPhase, Quality, Sign

TARGET_MS = 150.0


def specs(category: str) -> list[PromptSpec]:
    ctx = BuildContext(today=dt.date(2025, 1, 23), quality=Quality.HD)
    definition = default_prompt_registry().get(category)
    signs = list(Sign)
    bodies: list[dict[str, object]]
    if category == "daily_energy":
        bodies = [{"sign": s.value, "energyLevel": 1 + i % 10} for i, s in enumerate(signs)]
    elif category == "avatar":
        bodies = [
            {
                "sunSign": s.value,
                "moonSign": signs[(i + 4) % 12].value,
                "risingSign": signs[(i + 8) % 12].value,
            }
            for i, s in enumerate(signs)
        ]
    elif category == "compatibility":
        bodies = [
            {
                "user1": {"sign": s.value},
                "user2": {"sign": signs[(i + 6) % 12].value},
                "compatibilityScore": 8 * i,
            }
            for i, s in enumerate(signs)
        ]
    elif category == "group":
        bodies = [
            {"signs": [signs[(i + 2 * j) % 12].value for j in range(3 + i % 4)], "score": 8 * i}
            for i in range(12)
        ]
    else:
        bodies = [{"phase": p.value} for p in MoonPhase]
    return [definition.builder(parse_request(definition.request_model, b), ctx) for b in bodies]


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over each category's specs")
    args = parser.parse_args()
    provider = ProceduralProvider()
    everything: list[float] = []
    header = ("category", "n", "median ms", "p90 ms", "encode ms", "draw/encode")
    widths = (-15, 4, 11, 9, 11, 13)
    print(
        "".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w in zip(header, widths, strict=True))
    )
    for category in ("daily_energy", "avatar", "compatibility", "group", "moon_ritual"):
        items = specs(category)
        provider.generate(items[0])  # warm-up: imports, font and filter caches
        totals, encodes = [], []
        for _ in range(args.rounds):
            for spec in items:
                start = time.perf_counter()
                provider.generate(spec)
                totals.append(time.perf_counter() - start)
                image = render(spec)
                start = time.perf_counter()
                image.save(io.BytesIO(), format="PNG", compress_level=1)
                encodes.append(time.perf_counter() - start)
        everything += totals
        median, enc = statistics.median(totals), statistics.median(encodes)
        p90 = statistics.quantiles(totals, n=10)[-1]
        print(
            f"{category:<15}{len(totals):>4}{ms(median):>11.1f}{ms(p90):>9.1f}"
            f"{ms(enc):>11.1f}{(median - enc) / enc:>13.2f}"
        )
    overall = ms(statistics.median(everything))
    verdict = "meets" if overall <= TARGET_MS else "MISSES"
    print(
        f"\noverall median {overall:.1f} ms per image over {len(everything)} images: "
        f"{verdict} the {TARGET_MS:.0f} ms target ({overall / TARGET_MS:.2f} of it)"
    )


if __name__ == "__main__":
    main()
