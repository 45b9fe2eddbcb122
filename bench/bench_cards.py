"""Benchmark: share cards per format (targets: story card median <= 150 ms, and at most 1.5
times a bare Pillow encode of the same 1080x1920 frame with the same settings).

Run by hand: ``python bench/bench_cards.py [--rounds N]``. Renders each format's card from
real procedural artwork (decode, backdrop, frame, text, encode: the whole ``render_card``),
then encodes the finished story frame alone with the same PNG settings, and prints the medians
and their ratio, all measured in this one run. For reference it also times Pillow's default
PNG settings and a full-resolution blur, the two costs the renderer avoids.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time
from collections.abc import Callable
from functools import partial

from PIL import Image, ImageFilter

from cosmic_images.cards import CardData, compose, encode, render_card
from cosmic_images.providers.procedural import ProceduralProvider
from cosmic_images.testing import sample_specs
from cosmic_images.zodiac import CardFormat

STORY_TARGET_MS = 150.0
RATIO_TARGET = 1.5


def median_ms(run: Callable[[], object], rounds: int) -> float:
    run()  # warm-up: imports, fonts, caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="renders per format")
    args = parser.parse_args()
    art = ProceduralProvider().generate(sample_specs()[0]).data
    data = CardData(
        category="daily_energy",
        title="Aries Daily Energy",
        glyphs=("\u2648",),
        date=dt.date(2025, 1, 23),
        energy_level=8,
        share_text="My cosmic energy today! \u2728 #CosmicCoach",
    )
    print(f"{'format':<18}{'size':>11}{'median ms':>11}{'bytes':>10}")
    medians: dict[CardFormat, float] = {}
    for card_format in CardFormat:
        medians[card_format] = median_ms(partial(render_card, art, data, card_format), args.rounds)
        size = len(render_card(art, data, card_format))
        w, h = card_format.size
        print(f"{card_format.value:<18}{f'{w}x{h}':>11}{medians[card_format]:>11.1f}{size:>10,}")

    frame = compose(art, data, CardFormat.INSTAGRAM_STORY).image
    bare = median_ms(lambda: encode(frame, "png"), args.rounds)
    default = median_ms(lambda: frame.save(io.BytesIO(), "PNG"), max(3, args.rounds // 3))
    full_blur = median_ms(lambda: frame.filter(ImageFilter.GaussianBlur(27)), args.rounds)
    quarter = frame.resize((270, 480), Image.Resampling.BILINEAR)
    small_blur = median_ms(lambda: quarter.filter(ImageFilter.GaussianBlur(6)), args.rounds)
    story = medians[CardFormat.INSTAGRAM_STORY]
    ratio = story / bare
    print(
        f"\nbare encode of the story frame (level 1, Z_RLE): {bare:.1f} ms"
        f"\n  for reference: Pillow's default PNG settings {default:.1f} ms;"
        f" blur at full size {full_blur:.1f} ms, at quarter size {small_blur:.1f} ms"
    )
    try:
        import fpng  # noqa: F401
    except ImportError:
        print("fpng: not installed (pip install 'cosmic-images[fpng]')")
    else:
        fast = median_ms(lambda: encode(frame, "png", png_encoder="fpng"), args.rounds)
        fast_card = median_ms(
            lambda: render_card(art, data, CardFormat.INSTAGRAM_STORY, png_encoder="fpng"),
            args.rounds,
        )
        sizes = len(encode(frame, "png", png_encoder="fpng")) / len(encode(frame, "png"))
        print(
            f"  the optional fpng encoder: {fast:.1f} ms for the frame ({bare / fast:.1f}x faster,"
            f" {sizes - 1:+.0%} bytes); the story card with it {fast_card:.1f} ms"
        )
    print(
        f"story card median {story:.1f} ms: "
        f"{'meets' if story <= STORY_TARGET_MS else 'MISSES'} the {STORY_TARGET_MS:.0f} ms target"
        f"\nstory card / bare encode = {ratio:.2f}: "
        f"{'meets' if ratio <= RATIO_TARGET else 'MISSES'} the {RATIO_TARGET} target"
    )


if __name__ == "__main__":
    main()
