"""Text that fits its box: wrap at words, then shrink, then cut the last line with an ellipsis.

Widths are measured run by run (:class:`~.typeface.FontSet`), so text mixing the host's font
and the bundled fallback measures what is drawn. Lines are drawn on their baseline so runs of
different faces line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PIL import ImageDraw

from .typeface import FontSet

__all__ = ["ELLIPSIS", "MAX_TEXT", "Fitted", "Placed", "draw_fitted", "fit_text", "measure"]

ELLIPSIS = "\u2026"
MAX_TEXT = 1000  # characters read of any text: far more than a card line can show
Align = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]


def measure(fonts: FontSet, text: str, size: int) -> float:
    """The advance width of ``text`` (drawable characters only) at ``size`` pixels."""
    return sum(face.font(size).getlength(run) for face, run in fonts.runs(text))


def _metrics(fonts: FontSet, size: int, lines: list[str]) -> tuple[int, int]:
    """(ascent, descent) covering every face of the set and the ink of ``lines`` (accents on
    capitals, stacked Vietnamese marks), so no line pokes out of its box."""
    ascent = descent = 0
    for face in fonts.faces:
        a, d = face.font(size).getmetrics()
        ascent, descent = max(ascent, a), max(descent, d)
    for line in lines:
        for face, run in fonts.runs(line):
            _, top, _, bottom = face.font(size).getbbox(run, anchor="ls")
            ascent, descent = max(ascent, -int(top)), max(descent, int(bottom))
    return ascent, descent


@dataclass(frozen=True, slots=True)
class Fitted:
    """Lines ready to draw: their size, the line advance and the font's ascent."""

    lines: tuple[str, ...]
    size: int
    ascent: int
    line_height: int
    truncated: bool

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _wrap(fonts: FontSet, text: str, size: int, width: float, most: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters. Stops
    after ``most`` lines, the last holding the rest of the text unwrapped (to be cut)."""
    lines: list[str] = []
    line = ""
    words = text.split(" ")
    for index, word in enumerate(words):
        if len(lines) >= most:
            return [*lines[:most], " ".join([line, *words[index:]]).strip()]
        candidate = f"{line} {word}" if line else word
        if measure(fonts, candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:  # the word alone, broken where it must be
            if line and measure(fonts, line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines


def _ellipsize(fonts: FontSet, text: str, size: int, width: float) -> str:
    """The longest start of ``text`` that fits ``width`` with an ellipsis after it (found by
    bisection: a measure per halving, not per character)."""
    low, high = 0, len(text)  # text[:low] + ELLIPSIS fits; text[:high + 1] + ... does not
    while low < high:
        middle = (low + high + 1) // 2
        if measure(fonts, text[:middle].rstrip() + ELLIPSIS, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def fit_text(
    fonts: FontSet,
    text: str,
    width: float,
    height: float,
    *,
    max_size: int,
    min_size: int,
    max_lines: int,
) -> Fitted:
    """The largest size from ``max_size`` down to ``min_size`` at which ``text`` wraps into at
    most ``max_lines`` lines inside ``width`` x ``height``; at ``min_size`` what does not fit
    is cut with an ellipsis. Characters no font covers are left out."""
    text = fonts.drawable(text[:MAX_TEXT])
    size = max(max_size, min_size)
    while True:
        lines = _wrap(fonts, text, size, width, max_lines + 1) if text else []
        ascent, descent = _metrics(fonts, size, lines[:max_lines])
        line_height = ascent + descent
        room = min(max_lines, int(height // line_height))
        if (room >= 1 and len(lines) <= room) or size <= min_size:
            break
        size = max(min_size, min(size - 1, int(size * 0.9)))
    room = max(1, room)  # a box too small for one line at the smallest size still gets one
    truncated = len(lines) > room
    if truncated:
        rest = " ".join(lines[room - 1 :])
        lines = [*lines[: room - 1], _ellipsize(fonts, rest, size, width)]
        ascent, descent = _metrics(fonts, size, lines)
        line_height = ascent + descent
    return Fitted(tuple(lines), size, ascent, line_height, truncated)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one line went: its text and its left, top, right and bottom ink edges."""

    text: str
    bbox: tuple[float, float, float, float]


def draw_fitted(
    draw: ImageDraw.ImageDraw,
    fonts: FontSet,
    fitted: Fitted,
    box: tuple[int, int, int, int],
    *,
    fill: tuple[int, int, int],
    align: Align = "left",
    valign: VAlign = "top",
    shadow: tuple[int, int, int] | None = None,
) -> list[Placed]:
    """Draw ``fitted`` in ``box`` (left, top, width, height); return where each line went."""
    left, top, width, height = box
    if valign == "bottom":
        top += height - fitted.height
    elif valign == "middle":
        top += (height - fitted.height) // 2
    placed: list[Placed] = []
    offset = max(1, fitted.size // 24)
    for i, line in enumerate(fitted.lines):
        runs = fonts.runs(line)
        lengths = [face.font(fitted.size).getlength(run) for face, run in runs]
        x = float(left)
        if align == "center":
            x += (width - sum(lengths)) / 2
        elif align == "right":
            x += width - sum(lengths)
        baseline = top + i * fitted.line_height + fitted.ascent
        ink: list[tuple[float, float, float, float]] = []
        for (face, run), length in zip(runs, lengths, strict=True):
            font = face.font(fitted.size)
            if shadow is not None:
                draw.text((x + offset, baseline + offset), run, font=font, fill=shadow, anchor="ls")
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
            if run.strip():
                ink.append(draw.textbbox((x, baseline), run, font=font, anchor="ls"))
            x += length
        if ink:
            bbox = (
                min(b[0] for b in ink),
                min(b[1] for b in ink),
                max(b[2] for b in ink),
                max(b[3] for b in ink),
            )
            placed.append(Placed(line, bbox))
    return placed
