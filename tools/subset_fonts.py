"""Make the card fonts shipped in ``src/cosmic_images/cards/fonts`` (run by hand, not at install).

DejaVu Sans and DejaVu Sans Bold (Bitstream Vera licence with public-domain DejaVu changes;
the licence sits beside the fonts) cut down to the text and symbols cards draw: Latin, Greek
and Cyrillic text, punctuation, the zodiac glyphs, the Sun, the Moon and its phases, stars and
simple shapes. Needs fontTools (``pip install fonttools``), which the package itself does not.

    python tools/subset_fonts.py /usr/share/fonts/truetype/dejavu
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x1F00, 0x1FFF),  # Greek Extended
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x214F),  # letterlike symbols
    (0x2190, 0x21FF),  # arrows
    (0x25A0, 0x25FF),  # geometric shapes (energy marks)
    (0x2600, 0x26FF),  # miscellaneous symbols: zodiac, Sun, Moon, stars, hearts
    (0x2700, 0x27BF),  # dingbats
    (0x1F311, 0x1F318),  # the moon's phases
]
FONTS = {
    "DejaVuSans.ttf": "DejaVuSans-Subset.ttf",
    "DejaVuSans-Bold.ttf": "DejaVuSans-Bold-Subset.ttf",
}


def main(source: Path, target: Path) -> None:
    unicodes = [c for low, high in RANGES for c in range(low, high + 1)]
    for name, out in FONTS.items():
        options = subset.Options()
        options.layout_features = ["kern", "liga", "ccmp", "mark", "mkmk"]
        options.name_IDs = ["*"]  # keep the copyright and licence records
        options.notdef_outline = True
        options.hinting = False  # cards draw large text: hints add size, not quality
        font = subset.load_font(str(source / name), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        subset.save_font(font, str(target / out), options)
        print(f"{out}: {(target / out).stat().st_size:,} bytes")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent / "src" / "cosmic_images" / "cards" / "fonts"
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"), here)
