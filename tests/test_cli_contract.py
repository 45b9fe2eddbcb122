"""The CLI's shape: --version, a --help that imports nothing heavy, one envelope per error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import cosmic_images
from cosmic_images.cli import app

runner = CliRunner()
# pydantic is not here: Typer itself imports it (typer._adapters) when it is installed.
HEAVY = ("sqlalchemy", "PIL", "openai", "ephem", "alembic", "cosmic_images.service")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"cosmic-images {cosmic_images.__version__}\n"


@pytest.mark.parametrize("argv", [["--help"], ["generate", "--help"], ["db", "--help"]])
def test_help_imports_none_of_the_heavy_libraries(argv: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['cosmic-images', *{argv!r}]\n"
        "from cosmic_images.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Usage" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["sky", "--date", "9999-12-31"], "date"),
        (["sky", "--date", "1899-12-31"], "date"),
        (["sky", "--date", "yesterday"], "date"),
        (["gallery", "--user-id", "u1", "--offset", str(2**63)], "offset"),
        (["gallery", "--user-id", "u1", "--limit", "0"], "limit"),
    ],
)
def test_out_of_range_input_is_invalid_request_naming_the_field(
    args: list[str], field: str
) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["field"]) == ("invalid_request", field)


def test_a_failing_provider_factory_is_one_line_not_a_traceback() -> None:
    args = ["generate", "moon-ritual", "--phase", "full_moon", "--provider", "json:loads"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: COSMIC_IMAGES_PROVIDER: the provider factory")
    assert len(result.stderr.strip().splitlines()) == 1
    envelope = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert envelope["error"]["code"] == "configuration_error"


def test_the_sky_of_the_last_supported_day() -> None:
    result = runner.invoke(app, ["sky", "--date", "2199-12-31", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["date"] == "2199-12-31"
