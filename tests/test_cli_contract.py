"""The CLI's shape: --version, a --help that imports nothing heavy, one envelope per error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["generate", "daily-energy", "--sign", "aries", "--energy-level", "abc"], "energyLevel"),
        (["generate", "daily-energy", "--energy-level", "3"], "sign"),
        (["generate", "no-such-category"], None),
        (["gallery"], "userId"),
    ],
)
def test_with_json_argument_errors_are_the_envelope_too(args: list[str], field: str | None) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_request"
    assert error.get("field") == field
    assert result.stderr == ""


def test_the_acceptance_command_for_a_non_integer_in_a_new_process() -> None:
    argv = [sys.executable, "-m", "cosmic_images", "generate", "daily-energy", "--sign", "aries"]
    out = subprocess.run(
        [*argv, "--energy-level", "abc", "--json"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert json.loads(out.stdout)["error"]["code"] == "invalid_request"


def gallery_total(user_id: str = "cli") -> int:
    page = runner.invoke(app, ["gallery", "--user-id", user_id, "--json"])
    assert page.exit_code == 0, page.output
    total: int = json.loads(page.stdout)["data"]["total"]
    return total


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        (["--output", "."], "output", "is a folder"),
        (["--output", "missing/dir/x.png"], "output", "does not exist"),
        (["--provider", "bogus"], "provider", "known: openai, procedural"),
    ],
)
def test_what_can_be_checked_is_checked_before_paying(
    extra: list[str], field: str, words: str
) -> None:
    args = ["generate", "moon-ritual", "--phase", "full_moon", *extra, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["field"] == field and words in error["message"]
    assert gallery_total() == 0  # nothing was generated


def test_enumerated_options_ignore_case() -> None:
    args = ["generate", "daily-energy", "--sign", "ARIES", "--energy-level", "4"]
    for more in (["--tier", "Cosmic"], ["--tier", "UNIVERSE", "--provider", "Procedural"]):
        result = runner.invoke(app, [*args, *more, "--json"])
        assert result.exit_code == 0, result.output
    phase = runner.invoke(app, ["generate", "moon-ritual", "--phase", "Full_Moon", "--json"])
    assert phase.exit_code == 0, phase.output
    assert runner.invoke(app, ["db", "sql", "--dialect", "PostgreSQL"]).exit_code == 0


def test_a_shared_image_of_another_day_is_not_worded_today() -> None:
    args = ["generate", "daily-energy", "--sign", "aries", "--date", "2025-01-23", "--shared"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    description = json.loads(result.stdout)["data"]["description"]
    assert description == "The shared Aries energy for 2025-01-23"


def test_cleanup_dry_run_then_for_real() -> None:
    runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon", "--json"])
    for args in (["cleanup", "--dry-run"], ["cleanup"]):
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)["data"]
        assert data["dryRun"] is (args == ["cleanup", "--dry-run"])
        assert data["orphanBlobsRemoved"] == 0


def test_the_quickstart_works_without_any_extra(tmp_path: Path) -> None:
    """A plain `pip install` has none of the extras (redis, psycopg, celery, boto3, the web
    frameworks, pyarrow, fpng): nothing on the default path may import them."""
    extras = (
        "'redis', 'psycopg', 'celery', 'skyfield', 'boto3', 'fastapi', 'flask', 'pyarrow', 'fpng'"
    )
    code = (
        "import sys\n"
        f"for name in ({extras}):\n"
        "    sys.modules[name] = None  # as if not installed\n"
        "sys.argv = ['cosmic-images', 'generate', 'daily-energy', '--sign', 'aries',\n"
        "            '--date', '2025-01-23', '--energy-level', '8', '--output', 'aries.png']\n"
        "from cosmic_images.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    sys.exit(exit.code)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "aries.png").read_bytes().startswith(b"\x89PNG")
