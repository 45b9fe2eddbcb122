"""The CLI through the real Typer app, and the installed console script in new processes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from cosmic_images.cli import app
from cosmic_images.storage import head_revision

from .strategies import LEO_AVATAR

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
ACCEPTANCE = [
    "generate",
    "daily-energy",
    "--sign",
    "aries",
    "--date",
    "2025-01-23",
    "--energy-level",
    "8",
    "--mood",
    "uplifting",
    "--focus",
    "career",
    "--json",
]


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def console_script() -> list[str]:
    script = Path(sys.executable).with_name("cosmic-images")
    if script.exists():
        return [str(script)]
    found = shutil.which("cosmic-images")
    return [found] if found else [sys.executable, "-m", "cosmic_images"]


@pytest.mark.slow
def test_acceptance_same_command_in_a_new_process_is_cached(
    isolated_env: Path, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.log"
    env = {
        **os.environ,
        "COSMIC_TEST_CALLS_FILE": str(calls),
        "COSMIC_IMAGES_PROVIDER": "tests.support:logging_provider",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [*console_script(), *ACCEPTANCE],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    first, second = outputs
    assert first["success"] is True and second["success"] is True
    assert set(first["data"]) == {"imageUrl", "imageId", "description", "shareableCard", "cached"}
    assert (first["data"]["cached"], second["data"]["cached"]) == (False, True)
    assert first["data"]["imageId"] == second["data"]["imageId"]
    assert calls.read_text().splitlines() == ["daily_energy"]  # the provider ran once
    png = Path(first["data"]["imageUrl"].removeprefix("file://"))
    assert png.is_relative_to(isolated_env)
    with Image.open(png) as img:
        assert (img.format, img.size) == ("PNG", (1024, 1024))


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "daily-energy", "--sign", "leo", "--energy-level", "3"],
        [
            "generate",
            "avatar",
            "--sun-sign",
            "leo",
            "--moon-sign",
            "pisces",
            "--rising-sign",
            "gemini",
            "--trait",
            "creative",
            "--trait",
            "curious",
        ],
        [
            "generate",
            "compatibility",
            "--sign",
            "aries",
            "--partner-sign",
            "libra",
            "--score",
            "85",
            "--element",
            "fire",
            "--partner-element",
            "air",
        ],
        ["generate", "moon-ritual", "--phase", "waxing_gibbous"],
    ],
    ids=["daily-energy", "avatar", "compatibility", "moon-ritual"],
)
def test_generate_each_category_with_output(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "art.png"
    payload = run_json(*args, "--output", str(out))
    assert payload["success"] is True and payload["data"]["cached"] is False
    with Image.open(io.BytesIO(out.read_bytes())) as img:
        assert img.size == (1024, 1024)


def test_human_output_is_a_table() -> None:
    result = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon"])
    assert result.exit_code == 0, result.output
    assert "moon ritual image" in result.stdout
    assert "newly generated" in result.stdout
    again = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon"])
    assert "no new generation" in again.stdout


def test_tier_rules_apply_to_the_cli() -> None:
    result = runner.invoke(
        app,
        [*LEO_AVATAR, "--tier", "cosmic", "--json"],
    )
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["requiredTier"]) == ("not_entitled", "universe")


def test_output_folder_must_exist(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "generate",
            "moon-ritual",
            "--phase",
            "full_moon",
            "--output",
            str(tmp_path / "missing" / "x.png"),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: output:")


def test_gallery_lists_the_users_images() -> None:
    made = run_json("generate", "moon-ritual", "--phase", "new_moon", "--user-id", "ana")
    page = run_json("gallery", "--user-id", "ana")
    assert page["data"]["count"] == 1 and page["data"]["total"] == 1
    assert page["data"]["images"][0]["imageId"] == made["data"]["imageId"]
    human = runner.invoke(app, ["gallery", "--user-id", "ana"])
    assert "ana's gallery: 1 of 1" in human.stdout
    assert run_json("gallery", "--user-id", "nobody")["data"]["images"] == []


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-supersecretvalue")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@db/cosmic")
    result = runner.invoke(app, ["config", "--json"])
    assert result.exit_code == 0
    assert "supersecret" not in result.stdout and "hunter2" not in result.stdout
    data = json.loads(result.stdout)["data"]
    assert data["openaiApiKey"] == "****alue"
    human = runner.invoke(app, ["config"])
    assert "supersecret" not in human.stdout and "databaseUrl" in human.stdout


def test_bad_setting_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSMIC_IMAGES_TIMEZONE", "Nowhere/Land")
    result = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "configuration_error"
    assert error["message"] == (
        "invalid setting COSMIC_IMAGES_TIMEZONE: unknown IANA time zone 'Nowhere/Land'"
    )


def test_unknown_provider_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # In the environment it is the operator's setting: a configuration error (exit 1).
    monkeypatch.setenv("COSMIC_IMAGES_PROVIDER", "midjourney")
    result = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: COSMIC_IMAGES_PROVIDER: unknown provider")
    # On the command line it is the caller's input: invalid (exit 2), listing the known ones.
    monkeypatch.delenv("COSMIC_IMAGES_PROVIDER")
    result = runner.invoke(
        app, ["generate", "moon-ritual", "--phase", "full_moon", "--provider", "midjourney"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: provider: unknown provider 'midjourney' (known: ")


def test_db_upgrade_then_up_to_date(isolated_env: Path) -> None:
    first = run_json("db", "upgrade")
    assert (first["data"]["from"], first["data"]["to"]) == (None, head_revision())
    again = runner.invoke(app, ["db", "upgrade"])
    assert "up to date" in again.stdout


def test_db_upgrade_on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    blocked = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon"])
    assert blocked.exit_code == 1 and "db upgrade" in blocked.stderr
    assert run_json("db", "upgrade")["data"]["to"] == head_revision()
    assert run_json("generate", "moon-ritual", "--phase", "full_moon")["success"] is True


def test_db_sql_prints_postgresql_ddl() -> None:
    result = runner.invoke(app, ["db", "sql"])
    assert result.exit_code == 0
    assert "CREATE TABLE generated_images" in result.stdout
    assert "JSONB" in result.stdout


def test_database_unreachable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    result = runner.invoke(app, ["generate", "moon-ritual", "--phase", "full_moon"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database error: OperationalError")
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "gallery", "config", "db"):
        assert command in result.stdout


def test_pricing_prints_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = run_json("pricing")["data"]["prices"]
    hd_wide = [
        p
        for p in data
        if p["model"] == "dall-e-3" and p["quality"] == "hd" and p["size"] == "1792x1024"
    ]
    assert [p["price"] for p in hd_wide] == ["0.120"]
    token = {p["unit"]: p["price"] for p in data if p["model"] == "gpt-image-2"}
    assert token == {
        "1M text input tokens": "5.00",
        "1M image input tokens": "8.00",
        "1M image output tokens": "30.00",
    }
    extra = tmp_path / "prices.toml"
    extra.write_text('[per_image."house-model"]\n"standard 1024x1024" = "0.010"\n')
    monkeypatch.setenv("COSMIC_IMAGES_PRICES_FILE", str(extra))
    human = runner.invoke(app, ["pricing"])
    assert human.exit_code == 0 and "house-model" in human.stdout and "0.010" in human.stdout


def test_the_cli_acts_as_an_admin() -> None:
    from cosmic_images.cli._common import cli_user

    assert cli_user("ops", "cosmic").is_admin is True
