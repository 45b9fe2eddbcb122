"""The month's projection, its arithmetic checked here; the ledger export as CSV and Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cosmic_images import ConfigurationError, CosmicImages, InvalidRequest, NotEntitled, User
from cosmic_images.cli import app
from cosmic_images.ledger.entries import Attempt, LedgerEntry, Outcome

from .conftest import ServiceFactory

ADMIN = User(id="ops", tier="free", is_admin=True)
SEED_MIX = "free=0.3,cosmic=0.5,universe=0.2"
runner = CliRunner()


def test_the_seeds_scenario_line_by_line(service: CosmicImages) -> None:
    projection = service.project_month(10_000, SEED_MIX, 0.8, model="dall-e-3")
    lines = {line.what: line for line in projection.lines}
    # The seed's own quantities, priced from its own table, with the cache saving on the
    # requests it saves: 20% of the requests are paid.
    cosmic = 5_000 * 3 * 4  # 3 a week, 4 weeks
    universe = 2_000 * 20  # unlimited: the seed's 20 a month
    assert (lines["cosmic"].requests, lines["cosmic"].paid) == (cosmic, cosmic // 5)
    assert (lines["universe"].requests, lines["universe"].paid) == (universe, universe // 5)
    assert lines["cosmic"].cost == Decimal("12000") * Decimal("0.040") == Decimal("480.00")
    assert lines["universe"].cost == Decimal("8000") * Decimal("0.080") == Decimal("640.00")
    assert lines["nightly batch"].cost == 12 * 30 * Decimal("0.040") == Decimal("14.40")
    assert lines["free"].cost == 0
    assert projection.total == Decimal("1134.40")
    assert projection.without_cache == Decimal("5614.40")  # the seed's figure before the cache
    assert projection.saving == Decimal("4480.00")  # not the seed's $4,560: 80% of $5,600
    data = projection.to_api()["data"]
    assert data["totalMonthlyCost"] == 1134.4 and data["cacheSaving"] == 4480.0
    assert "12,000 x $0.040" in projection.to_text()


def test_a_token_priced_model_uses_typical_token_counts(service: CosmicImages) -> None:
    projection = service.project_month(1_000, "cosmic=1", "0.5", model="gpt-image-2")
    (cosmic, batch) = projection.lines
    per_image = (100 * Decimal(5) + 1056 * Decimal(30)) / 1_000_000  # $5 / $30 per 1M tokens
    assert cosmic.unit_price == per_image
    assert cosmic.paid == 1_000 * 12 // 2
    assert cosmic.cost == (6_000 * per_image).quantize(Decimal("0.01"))
    assert batch.unit_price == per_image


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((10_000, "free=0.3,cosmic=0.5", 0.8), "mix"),
        ((10_000, "free=0.3,cosmic", 0.8), "mix"),
        ((10_000, "free=x,cosmic=1", 0.8), "mix"),
        ((10_000, SEED_MIX, 1.5), "hitRate"),
        ((10_000, SEED_MIX, "NaN"), "hitRate"),
        ((-1, SEED_MIX, 0.8), "users"),
        ((10_000, "gold=1", 0.8), "mix"),
    ],
)
def test_bad_projection_input(service: CosmicImages, args: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        service.project_month(*args)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_the_projection_command(make_service: ServiceFactory) -> None:
    make_service()
    result = runner.invoke(
        app,
        [
            "report",
            "projection",
            "--users",
            "10000",
            "--mix",
            SEED_MIX,
            "--hit-rate",
            "0.8",
            "--model",
            "dall-e-3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["totalMonthlyCost"] == 1134.4
    text = runner.invoke(app, ["report", "projection", "--model", "dall-e-3"])
    assert "total: $1,134.40" in text.stdout


def entries(svc: CosmicImages) -> None:
    zone = svc._parts.pipeline.timezone
    for day, cost, outcome in [
        (dt.date(2025, 1, 20), "0.04", Outcome.FAILED),
        (dt.date(2025, 1, 22), "0.12563", Outcome.FAILED),
        (dt.date(2025, 1, 23), "0", Outcome.REJECTED),
    ]:
        attempt = Attempt(
            provider="openai", model="gpt-image-2", outcome=outcome, cost=Decimal(cost)
        )
        svc.repository.record_entries(
            (LedgerEntry(user_id="u", category="avatar", attempt=attempt),),
            now=dt.datetime.combine(day, dt.time(0, 30), zone),
        )


def test_export_csv_and_parquet_since_a_business_day(service: CosmicImages, tmp_path: Path) -> None:
    entries(service)
    out = io.StringIO()
    assert service.export_ledger(ADMIN, "2025-01-22", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["cost"], r["outcome"]) for r in rows] == [
        ("0.12563000", "failed"),
        ("0.00000000", "rejected"),
    ]
    parquet = tmp_path / "ledger.parquet"
    assert service.export_ledger(ADMIN, dt.date(2025, 1, 1), parquet, format="parquet") == 3
    table = pq.read_table(parquet)
    assert table.num_rows == 3
    assert sum(table.column("cost").to_pylist()) == Decimal("0.16563")
    empty = tmp_path / "none.parquet"
    assert service.export_ledger(ADMIN, "2030-01-01", empty, format="parquet") == 0
    assert pq.read_table(empty).num_rows == 0
    with pytest.raises(NotEntitled):
        service.export_ledger(User(id="u", tier="universe"), "2025-01-01", io.StringIO())
    with pytest.raises(InvalidRequest) as bad:
        service.export_ledger(ADMIN, "2025-01-01", io.StringIO(), format="xlsx")
    assert bad.value.field == "format"
    with pytest.raises(InvalidRequest):
        service.export_ledger(ADMIN, "2025-01-01", io.StringIO(), format="parquet")
    targets: list[Any] = [tmp_path / "missing" / "x.csv", "a.csv"]  # no folder; not a path
    for target in targets:
        with pytest.raises(InvalidRequest) as unwritable:
            service.export_ledger(ADMIN, "2025-01-01", target)
        assert unwritable.value.field == "output"


def test_parquet_without_pyarrow_names_the_extra(
    service: CosmicImages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ConfigurationError, match=r"cosmic-images\[parquet\]"):
        service.export_ledger(ADMIN, "2025-01-01", tmp_path / "x.parquet", format="parquet")


def test_the_export_command(make_service: ServiceFactory, tmp_path: Path) -> None:
    entries(make_service())
    result = runner.invoke(app, ["report", "export", "--since", "2025-01-20"])
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 3
    target = tmp_path / "l.parquet"
    written = runner.invoke(
        app, ["report", "export", "--since", "2025-01-21", "--format", "parquet", "-o", str(target)]
    )
    assert written.exit_code == 0, written.output
    assert pq.read_table(target).num_rows == 2
    bad = runner.invoke(app, ["report", "export", "--since", "yesterday"])
    assert bad.exit_code == 2
