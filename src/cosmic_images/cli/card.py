"""``cosmic-images card``: an image's share card, in one format or all of them, to files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import Data, JsonOpt, check_output, cli_errors, emit, open_service

if TYPE_CHECKING:
    from rich.console import Console

SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}


def card(
    image_id: Annotated[str, typer.Argument(help="The image's id.")],
    card_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="instagram_square, instagram_story, twitter, facebook, or WIDTHxHEIGHT.",
        ),
    ] = "instagram_square",
    all_formats: Annotated[
        bool, typer.Option("--all-formats", help="Every seed format, into --output-dir.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The file to write (default: <image id>-<format>.png here)."
        ),
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", help="The folder for --all-formats.")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="png, jpeg or webp (default: from the file's suffix, else png)."),
    ] = None,
    user_id: Annotated[
        str | None,
        typer.Option("--user-id", help="Download as this user (default: as an administrator)."),
    ] = None,
    tier: Annotated[str, typer.Option("--tier", help="That user's tier.")] = "universe",
    as_json: JsonOpt = False,
) -> None:
    """Write an image's share card: the artwork, its glyphs, title, date and the watermark."""
    with cli_errors(as_json):
        from ..cards import check_encoding, parse_size
        from ..errors import InvalidRequest
        from ..schemas import User
        from ..sharing import format_label
        from ..zodiac import CardFormat

        safe_id = re.sub(r"[^A-Za-z0-9-]", "", image_id)[:40] or "card"
        if all_formats:
            if output is not None:
                raise InvalidRequest("output: use --output-dir with --all-formats", field="output")
            if output_dir is None or not output_dir.is_dir():
                raise InvalidRequest(
                    "outputDir: --all-formats needs --output-dir naming a folder that exists",
                    field="outputDir",
                )
            chosen = check_encoding(encoding or "png")
            sizes = [f.size for f in CardFormat]
            targets = [output_dir / f"{safe_id}-{f.value}{_suffix(chosen)}" for f in CardFormat]
        else:
            if output_dir is not None:
                raise InvalidRequest(
                    "outputDir: only with --all-formats (use --output for one card)",
                    field="outputDir",
                )
            sizes = [parse_size(card_format)]
            chosen = _encoding_for(output, encoding)
            label = format_label(sizes[0])
            targets = [output or Path(f"{safe_id}-{label}{_suffix(chosen)}")]
        for target in targets:  # every file checked before any card is made
            check_output(target)
        plan = list(zip(sizes, targets, strict=True))
        reader = User(id=user_id or "cli", tier=tier, is_admin=user_id is None)
        written: list[dict[str, Any]] = []
        with open_service() as svc:
            for size, path in plan:
                data = svc.share_card(reader, image_id, size, encoding=chosen)
                path.write_bytes(data)
                written.append(_describe(path, format_label(size), data))
        out = Data({"imageId": image_id, "cards": written})

    def view(console: Console) -> None:
        from rich.table import Table

        table = Table(title=f"share cards of {image_id}", title_justify="left")
        for column in ("format", "size", "bytes", "written to"):
            table.add_column(column)
        for item in written:
            table.add_row(item["format"], item["size"], f"{item['bytes']:,}", item["path"])
        console.print(table)

    emit(out, as_json, view)


def _suffix(encoding: str) -> str:
    return ".jpg" if encoding == "jpeg" else f".{encoding}"


def _encoding_for(output: Path | None, encoding: str | None) -> str:
    """--encoding, or the one --output's suffix names; a suffix that disagrees, or that names
    none of png, jpg, webp with no --encoding, is InvalidRequest."""
    from ..cards import check_encoding
    from ..errors import InvalidRequest

    implied = SUFFIXES.get(output.suffix.lower()) if output is not None else None
    if encoding is not None:
        chosen = check_encoding(encoding)
        if output is not None and implied not in (None, chosen):
            raise InvalidRequest(
                f"encoding: {chosen} does not match the file name {output.name}",
                field="encoding",
            )
        return chosen
    if output is not None and implied is None:
        raise InvalidRequest(
            f"output: {output.name}: name a .png, .jpg or .webp file (or give --encoding)",
            field="output",
        )
    return implied or "png"


def _describe(path: Path, name: str, data: bytes) -> dict[str, Any]:
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as written:
        width, height = written.size
    return {
        "path": str(path),
        "format": name,
        "size": f"{width}x{height}",
        "width": width,
        "height": height,
        "bytes": len(data),
        "encoding": (written.format or "").lower(),
    }
