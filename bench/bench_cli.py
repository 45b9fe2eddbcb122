"""How long ``cosmic-images --help`` takes, against a bare Typer app's ``--help``, in one run.

    python bench/bench_cli.py [--runs 15]

Each command runs in a new process (what a user waits for), alternating the two so that the
machine's noise falls on both alike. Prints each median and their ratio; the target is a
ratio of at most 2: the CLI's help must not pay for SQLAlchemy, Pillow, openai or ephem.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = '''
import typer

app = typer.Typer(help="A bare Typer app.", no_args_is_help=True)


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


@app.command()
def goodbye(name: str = "world") -> None:
    """Say goodbye."""
    typer.echo(f"goodbye {name}")


app()
'''


def wall_time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, timeout=60)  # noqa: S603
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        ours_argv = [sys.executable, "-m", "cosmic_images", "--help"]
        bare_argv = [sys.executable, str(bare), "--help"]
        wall_time(ours_argv), wall_time(bare_argv)  # warm the file cache once
        ours, plain = [], []
        for _ in range(runs):
            ours.append(wall_time(ours_argv))
            plain.append(wall_time(bare_argv))
    ours_median, bare_median = statistics.median(ours), statistics.median(plain)
    print(f"runs each:                  {runs}")
    print(f"cosmic-images --help median: {ours_median * 1000:7.1f} ms")
    print(f"bare Typer app --help median:{bare_median * 1000:7.1f} ms")
    print(f"ratio:                       {ours_median / bare_median:7.2f} (target <= 2)")


if __name__ == "__main__":
    main()
