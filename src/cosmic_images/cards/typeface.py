"""Fonts for cards: the bundled DejaVu Sans subset, a host's own TTF, and per-character fallback.

Pillow draws a character its font lacks as the font's missing-glyph box and has no fallback of
its own. So every face knows which characters it covers (read from its ``cmap`` table), text is
cut into runs by the first face that covers each character (the host's font, then the bundled
one), and a character no face covers is dropped rather than drawn as a box. Variation selectors
(U+FE0E, U+FE0F) and other invisible format characters are removed first, and text is put in
NFC form so that accents are precomposed characters the fonts cover.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from io import BytesIO
from pathlib import Path

from PIL import ImageFont

from ..errors import ConfigurationError

__all__ = [
    "BUNDLED_BOLD",
    "BUNDLED_REGULAR",
    "Face",
    "FontSet",
    "bundled_fonts",
    "clean_text",
    "cmap_coverage",
]

FONT_SIZES_KEPT = 32
BUNDLED_REGULAR = "DejaVuSans-Subset.ttf"
BUNDLED_BOLD = "DejaVuSans-Bold-Subset.ttf"

# (platform, encoding) of cmap subtables, best first: full Unicode, then the Basic Plane.
_PREFERRED = [(3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0)]


def cmap_coverage(data: bytes) -> frozenset[int]:
    """The code points a TrueType/OpenType font maps to a real glyph (not glyph 0).

    Reads the ``cmap`` table's format 4 or 12 subtable (what every current font has); the
    first font of a collection (``.ttc``). Raises ValueError for anything it cannot read.
    """
    try:
        return _coverage(data)
    except (struct.error, IndexError) as exc:
        raise ValueError(f"not a readable TrueType/OpenType font: {exc}") from exc


def _coverage(data: bytes) -> frozenset[int]:
    base = 0
    if data[:4] == b"ttcf":
        (base,) = struct.unpack_from(">I", data, 12)
    (tables,) = struct.unpack_from(">H", data, base + 4)
    cmap = None
    for i in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        raise ValueError("the font has no cmap table")
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables: dict[tuple[int, int], int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables.setdefault((platform, encoding), cmap + offset)
    for key in _PREFERRED:
        at = subtables.get(key)
        if at is None:
            continue
        (fmt,) = struct.unpack_from(">H", data, at)
        if fmt == 12:
            return frozenset(_format12(data, at))
        if fmt == 4:
            return frozenset(_format4(data, at))
    raise ValueError("the font has no Unicode cmap subtable of format 4 or 12")


def _format12(data: bytes, at: int) -> Iterator[int]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        first = start if glyph else start + 1  # glyph 0 is the missing-glyph box
        yield from range(first, end + 1)


def _format4(data: bytes, at: int) -> Iterator[int]:
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg_x2 // 2
    ends = at + 14
    starts = ends + seg_x2 + 2
    deltas = starts + seg_x2
    ranges = deltas + seg_x2
    for i in range(segs):
        (end,) = struct.unpack_from(">H", data, ends + 2 * i)
        (start,) = struct.unpack_from(">H", data, starts + 2 * i)
        (delta,) = struct.unpack_from(">h", data, deltas + 2 * i)
        range_at = ranges + 2 * i
        (range_offset,) = struct.unpack_from(">H", data, range_at)
        for code in range(start, min(end, 0xFFFE) + 1):
            if range_offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                (glyph,) = struct.unpack_from(
                    ">H", data, range_at + range_offset + 2 * (code - start)
                )
                if glyph:
                    glyph = (glyph + delta) & 0xFFFF
            if glyph:
                yield code


_INVISIBLE = {"Cf", "Cc", "Cs", "Co", "Cn"}  # format, control, surrogate, private, unassigned


def _is_variation_selector(ch: str) -> bool:
    """U+FE00-FE0F (text/emoji presentation: FE0E, FE0F) and U+E0100-E01EF."""
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def clean_text(text: str) -> str:
    """``text`` as cards draw it: NFC, no variation selectors or other invisible characters
    (ZWJ, controls), whitespace runs collapsed to one space."""
    normal = unicodedata.normalize("NFC", text)
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in normal
        if ch.isspace()
        or (unicodedata.category(ch) not in _INVISIBLE and not _is_variation_selector(ch))
    )
    return " ".join(kept.split())


@dataclass(frozen=True, eq=False)
class Face:
    """One font file: its bytes, what it covers, and Pillow fonts of it by size (per thread:
    FreeType faces are not safe to share between threads)."""

    name: str
    data: bytes = field(repr=False)
    coverage: frozenset[int] = field(repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Face:
        try:
            coverage = cmap_coverage(data)
            ImageFont.truetype(BytesIO(data), 12)  # FreeType can load it, too
        except (ValueError, OSError) as exc:
            raise ConfigurationError(f"card font {name}: {exc}") from exc
        return cls(name, data, coverage)

    @classmethod
    def from_path(cls, path: Path) -> Face:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"card font {path}: {exc.strerror or exc}") from exc
        return cls.from_bytes(str(path), data)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.coverage

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        """This face at ``size`` pixels; the last :data:`FONT_SIZES_KEPT` sizes a thread used
        are kept (custom card sizes must not grow memory without end)."""
        fonts: OrderedDict[int, ImageFont.FreeTypeFont] | None = getattr(self._local, "fonts", None)
        if fonts is None:
            fonts = self._local.fonts = OrderedDict()
        font = fonts.get(size)
        if font is None:
            font = ImageFont.truetype(
                BytesIO(self.data), size, layout_engine=ImageFont.Layout.BASIC
            )
            fonts[size] = font
            if len(fonts) > FONT_SIZES_KEPT:
                fonts.popitem(last=False)
        else:
            fonts.move_to_end(size)
        return font


Run = tuple[Face, str]


@dataclass(frozen=True)
class FontSet:
    """Faces in order of preference: each character is drawn by the first that covers it."""

    faces: tuple[Face, ...]

    def runs(self, text: str) -> list[Run]:
        """``text`` (already :meth:`drawable`) cut into runs of one face each; a character no
        face covers is left out. A space joins the run before it."""
        runs: list[Run] = []
        for ch in text:
            face = self.face_for(ch)
            if face is None:
                continue
            joins = ch == " " and runs[-1][0].covers(" ") if runs else False
            if runs and (runs[-1][0] is face or joins):
                runs[-1] = (runs[-1][0], runs[-1][1] + ch)
            else:
                runs.append((face, ch))
        return runs

    def face_for(self, ch: str) -> Face | None:
        return next((face for face in self.faces if face.covers(ch)), None)

    def drawable(self, text: str) -> str:
        """``text`` cleaned, without the characters no face covers (and the space they leave)."""
        kept = "".join(ch for ch in clean_text(text) if ch == " " or self.face_for(ch))
        return " ".join(kept.split())

    @property
    def digest(self) -> str:
        return "-".join(face.digest for face in self.faces)


_bundled: dict[str, Face] = {}
_bundled_lock = threading.Lock()


def bundled_face(name: str) -> Face:
    """A font shipped in the package (read once per process)."""
    with _bundled_lock:
        face = _bundled.get(name)
        if face is None:
            data = resources.files(__package__).joinpath("fonts", name).read_bytes()
            face = _bundled[name] = Face.from_bytes(name, data)
        return face


def bundled_fonts(host_font: Path | None = None) -> tuple[FontSet, FontSet]:
    """The (regular, bold) font sets: the host's font first when given, then the bundled one."""
    regular, bold = bundled_face(BUNDLED_REGULAR), bundled_face(BUNDLED_BOLD)
    if host_font is None:
        return FontSet((regular,)), FontSet((bold,))
    host = Face.from_path(host_font)
    return FontSet((host, regular)), FontSet((host, bold))
