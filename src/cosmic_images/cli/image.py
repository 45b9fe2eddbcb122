"""``cosmic-images image``: one image's record, and its bytes with ``--output``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._common import (
    Data,
    JsonOpt,
    OutputOpt,
    cli_errors,
    emit,
    key_value_table,
    open_service,
)

if TYPE_CHECKING:
    from rich.console import Console


def image(
    image_id: Annotated[str, typer.Argument(help="The image's id.")],
    user_id: Annotated[
        str | None,
        typer.Option("--user-id", help="Read as this user (default: as an administrator)."),
    ] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show an image as a user sees it: its creator, its recipients, or anyone if shared."""
    with cli_errors(as_json):
        from ..errors import InvalidRequest
        from ..schemas import User

        if output is not None and (output.is_dir() or not output.parent.is_dir()):
            raise InvalidRequest(
                f"output: {output} is not a file path we can write", field="output"
            )
        reader = User(id=user_id or "cli", tier="free", is_admin=user_id is None)
        with open_service() as svc:
            record = svc.get_image(reader, image_id)
            if output is not None:
                output.write_bytes(svc.image_bytes(reader, record.id))
        out = Data(record.to_api())

    def view(console: Console) -> None:
        rows = dict(out.data)
        if output is not None:
            rows["writtenTo"] = str(output)
        console.print(key_value_table(f"image {record.id}", rows))

    emit(out, as_json, view)
