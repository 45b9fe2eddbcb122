"""`cosmic-images schedule`: crontab lines that parse, systemd units that verify."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cosmic_images.cli import app

runner = CliRunner()
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def cron_field_ok(field: str, low: int, high: int) -> bool:
    """One crontab time field: *, a number, a range, a list or a step, within its range."""
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not step.isdigit():
            return False
        if base == "*":
            continue
        bounds = base.split("-")
        if not all(b.isdigit() and low <= int(b) <= high for b in bounds) or len(bounds) > 2:
            return False
    return True


def test_cron_lines_parse_and_run_in_the_business_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSMIC_IMAGES_TIMEZONE", "Europe/London")
    result = runner.invoke(app, ["schedule"])
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln and not ln.startswith("#")]
    assert lines[0] == "CRON_TZ=Europe/London"
    jobs = lines[1:]
    assert len(jobs) == 3
    for line in jobs:
        fields = line.split(None, 5)
        assert all(cron_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields[:5], RANGES, strict=True))
        assert f"cd {Path.cwd()} && " in fields[5] and "-m cosmic_images" in fields[5]
    assert jobs[0].startswith("0 0 * * * ") and jobs[0].endswith("batch --json")
    assert jobs[1].startswith("0 2 * * * ") and jobs[1].endswith("cleanup --json")
    assert jobs[2].startswith("0 9 * * 1 ") and jobs[2].endswith("report --text")  # Mondays


def test_systemd_units_verify(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", "--format", "systemd", "--json"])
    assert result.exit_code == 0, result.output
    units: dict[str, str] = json.loads(result.stdout)["data"]["units"]
    assert sorted(units) == [
        "cosmic-images-batch.service",
        "cosmic-images-batch.timer",
        "cosmic-images-cleanup.service",
        "cosmic-images-cleanup.timer",
        "cosmic-images-report.service",
        "cosmic-images-report.timer",
    ]
    assert re.search(
        r"OnCalendar=Mon \*-\*-\* 09:00:00 America/New_York", units["cosmic-images-report.timer"]
    )
    assert re.search(
        r"OnCalendar=\*-\*-\* 00:00:00 America/New_York", units["cosmic-images-batch.timer"]
    )
    for name, content in units.items():
        (tmp_path / name).write_text(content)
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units were only parsed")
    verify = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(tmp_path / n) for n in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stderr


def test_an_unknown_format_is_invalid() -> None:
    result = runner.invoke(app, ["schedule", "--format", "launchd", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "format"


def test_percent_signs_in_the_folder_are_escaped() -> None:
    from cosmic_images.schedule import crontab, systemd_units

    odd = Path("/srv/my app/50%off")
    line = next(ln for ln in crontab("UTC", odd).splitlines() if ln.startswith("0 0"))
    assert "50\\%off" in line and "50%off" not in line.replace("\\%", "")
    service = systemd_units("UTC", odd)["cosmic-images-batch.service"]
    assert "WorkingDirectory=/srv/my app/50%%off" in service
