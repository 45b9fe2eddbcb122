"""Reading the TOML tables the package ships (tiers, models, prices), or a user's own."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = ["read_table"]


def read_table(package: str, name: str, path: Path | None, what: str) -> tuple[dict[str, Any], str]:
    """The parsed table at ``path``, or the file ``name`` shipped in ``package``.

    Returns the data and where it came from, for error messages. Unreadable or malformed
    files are a :class:`ConfigurationError` naming the file.
    """
    try:
        if path is None:
            text = resources.files(package).joinpath(name).read_text("utf-8")
            return tomllib.loads(text), f"the shipped {what}"
        return tomllib.loads(Path(path).read_text("utf-8")), str(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the {what} {path or name}: {exc}") from exc
