"""The examples in examples/ run and do what they say."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as `python examples/x.py` would: annotations resolve
    spec.loader.exec_module(module)
    return module


def test_custom_provider(tmp_path: Path) -> None:
    assert load("custom_provider").main(tmp_path) == "gradient-v1"


def test_custom_prompt_builder(tmp_path: Path) -> None:
    tarot, moon = load("custom_prompt_builder").main(tmp_path)
    assert tarot.startswith("Mystical tarot card art of the star for a Scorpio.")
    assert "Mood: quiet intention, warm candlelight" in moon


def test_celery_app_attaches_our_tasks() -> None:
    app = load("celery_app").app
    app.loader.import_default_modules()
    names = set(app.tasks)
    assert {
        "cosmic_images.batch",
        "cosmic_images.batch_item",
        "cosmic_images.batch_summary",
        "cosmic_images.generate",
    } <= names


def test_procedural_art_contact_sheet(tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    module = load("procedural_art")
    sheet = module.main(tmp_path / "art.jpg")
    rows = module.requests()
    tile, gap = module.TILE, module.GAP
    with Image.open(sheet) as image:
        assert image.format == "JPEG"
        assert [len(bodies) for _, bodies in rows] == [8] * 5
        assert image.size == (8 * (tile + gap) + gap, 5 * (tile + gap) + gap)
        # Every tile is a picture, not the sheet's background.
        for r in range(5):
            for c in range(8):
                x, y = gap + c * (tile + gap), gap + r * (tile + gap)
                stat = ImageStat.Stat(image.crop((x, y, x + tile, y + tile)).convert("L"))
                assert stat.stddev[0] > 10, (r, c)


def test_share_cards_contact_sheet(tmp_path: Path) -> None:
    from PIL import Image

    sheet = load("share_cards").main(tmp_path / "sheet.jpg")
    with Image.open(sheet) as image:
        assert image.format == "JPEG"
        assert image.height == 4 * (420 + 16) + 16  # a row per category
        # Each row: the square, the story, the X and the Facebook card at the row's height.
        widths = [420, round(1080 * 420 / 1920), round(1200 * 420 / 675), round(1200 * 420 / 630)]
        assert image.width == 16 * 5 + sum(widths)
