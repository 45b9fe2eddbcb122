"""The seed's jobs as ready-to-install crontab lines or systemd units.

The nightly batch runs at 00:00 and cleanup at 02:00, in the business time zone (``CRON_TZ``
for cron, a time zone in ``OnCalendar`` for systemd). Commands run this very Python with
``-m cosmic_images``, so they use the installation that printed them. (The weekly cost report
joins them when ``cosmic-images report`` exists.)
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JOBS", "Job", "crontab", "systemd_units"]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    description: str
    arguments: tuple[str, ...]
    minute: int
    hour: int
    weekday: int | None = None  # 0 = Sunday (cron); None: every day


JOBS = (
    Job("batch", "make the day's shared images before anyone asks", ("batch", "--json"), 0, 0),
    Job(
        "cleanup",
        "record the spool, remove orphaned files and expired entries",
        ("cleanup", "--json"),
        0,
        2,
    ),
    # The seed's weekly cost report: Mondays at 09:00 (business time, with CRON_TZ).
    Job("report", "the weekly cost report, in the seed's text", ("report", "--text"), 0, 9, 1),
)

_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def _command(job: Job) -> str:
    return shlex.join([sys.executable, "-m", "cosmic_images", *job.arguments])


def _cron(text: str) -> str:
    """Cron turns an unescaped % into a newline."""
    return text.replace("%", "\\%")


def _systemd(text: str) -> str:
    """systemd expands %-specifiers in unit values."""
    return text.replace("%", "%%")


def crontab(timezone: str, workdir: Path) -> str:
    """Crontab lines with ``CRON_TZ`` set to the business time zone; each job runs in
    ``workdir`` (where the settings, ``.env`` and the embedded data directory are). ``CRON_TZ``
    holds for every line after it: put these lines last, or set it again below them."""
    lines = [
        "# cosmic-images: the seed's jobs, in the business time zone",
        f"CRON_TZ={timezone}",
    ]
    for job in JOBS:
        weekday = "*" if job.weekday is None else str(job.weekday)
        lines.append(f"# {job.name}: {job.description}")
        where = shlex.quote(str(workdir))
        command = _cron(f"cd {where} && {_command(job)}")
        lines.append(f"{job.minute} {job.hour} * * {weekday} {command}")
    return "\n".join(lines) + "\n"


def systemd_units(timezone: str, workdir: Path) -> dict[str, str]:
    """``{file name: content}``: a oneshot service and a timer for each job."""
    units: dict[str, str] = {}
    for job in JOBS:
        day = "*-*-*" if job.weekday is None else f"{_DAYS[job.weekday]} *-*-*"
        at = f"{job.hour:02d}:{job.minute:02d}"
        units[f"cosmic-images-{job.name}.service"] = (
            "[Unit]\n"
            f"Description=cosmic-images {job.name}: {job.description}\n\n"
            "[Service]\n"
            "Type=oneshot\n"
            f"WorkingDirectory={_systemd(str(workdir))}\n"
            f"ExecStart={_systemd(_command(job))}\n"
        )
        units[f"cosmic-images-{job.name}.timer"] = (
            "[Unit]\n"
            f"Description=cosmic-images {job.name} at {at} {timezone}\n\n"
            "[Timer]\n"
            f"OnCalendar={day} {at}:00 {timezone}\n"
            "Persistent=true\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )
    return units
