"""A picture of a cost report: daily spend as bars, the cache hit rate as a line (Pillow)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from .cards.typeface import BUNDLED_BOLD, BUNDLED_REGULAR, bundled_face

if TYPE_CHECKING:
    from .reports import CostReport

__all__ = ["spend_chart"]

WIDTH, HEIGHT = 1200, 600
LEFT, RIGHT, TOP, BOTTOM = 100, 90, 70, 80
BACKGROUND, INK, GRID = (18, 16, 28), (235, 232, 245), (60, 56, 80)
BAR, LINE = (245, 200, 107), (120, 200, 255)


def spend_chart(report: CostReport, path: Path) -> None:
    days = report.by_day()
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    regular, bold = bundled_face(BUNDLED_REGULAR).font(18), bundled_face(BUNDLED_BOLD).font(24)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    most = max((t.cost for _, t, _ in days), default=Decimal("0"))
    scale = most if most > 0 else Decimal("1")
    title = f"Daily spend and cache hit rate, {report.first} to {report.last}"
    draw.text((LEFT, 24), title, font=bold, fill=INK)
    for i in range(5):  # grid: spend on the left axis, hit rate on the right
        y = TOP + plot_h - plot_h * i / 4
        draw.line((LEFT, y, LEFT + plot_w, y), fill=GRID)
        draw.text((LEFT - 10, y), f"${scale * i / 4:.2f}", font=regular, fill=BAR, anchor="rm")
        draw.text((LEFT + plot_w + 10, y), f"{25 * i}%", font=regular, fill=LINE, anchor="lm")
    slot = plot_w / max(1, len(days))
    points: list[tuple[float, float]] = []
    label_every = max(1, len(days) // 10)
    for i, (day, totals, counts) in enumerate(days):
        x0 = LEFT + slot * i + slot * 0.15
        x1 = LEFT + slot * (i + 1) - slot * 0.15
        height = float(totals.cost / scale) * plot_h
        if height > 0:
            draw.rectangle((x0, TOP + plot_h - height, x1, TOP + plot_h), fill=BAR)
        if i % label_every == 0:
            draw.text(
                ((x0 + x1) / 2, TOP + plot_h + 12),
                day.strftime("%m-%d"),
                font=regular,
                fill=INK,
                anchor="mt",
            )
        rate = counts.hit_rate
        if rate is not None:
            points.append(((x0 + x1) / 2, TOP + plot_h - float(rate) * plot_h))
    if len(points) > 1:
        draw.line(points, fill=LINE, width=3)
    for x, y in points:
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=LINE)
    legend = f"total ${report.total.cost:.2f}   images {report.total.images}"
    draw.text((LEFT, HEIGHT - 30), legend, font=regular, fill=INK)
    image.save(path, "PNG", compress_level=6)
