"""``manage.py sync_bench`` at a tiny size: its output holds together (timings are not checked)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integration.bench.databases import postgres_server, with_database
from integration.bench.table import render

ROOT = Path(__file__).resolve().parents[2]
SIZE = 200
SAMPLE = 50


@pytest.fixture(scope="module")
def doc() -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sync_bench",
            "--sizes",
            str(SIZE),
            "--naive-sample",
            str(SAMPLE),
            "--json",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture
def size(doc) -> dict:
    [figures] = doc["sizes"]
    return figures


def test_the_document_describes_the_run(doc):
    assert doc["config"]["sizes"] == [SIZE]
    assert doc["config"]["naive_sample"] == SAMPLE
    assert doc["machine"]["cpus"] >= 1
    assert doc["database"] in ("SQLite", "PostgreSQL")
    expected = "PostgreSQL" if postgres_server(os.environ.get("DATABASE_URL")) else "SQLite"
    assert doc["database"] == expected


def test_no_step_failed(doc):
    assert doc["problems"] == []


def test_every_record_is_synchronized_once_in_each_direction(size):
    for direction in ("full_to", "full_from"):
        full = size[direction]
        assert (full["records"], full["failed"]) == (SIZE, 0), direction
        assert full["requests_per_1000"] == pytest.approx(1000 * full["requests"] / SIZE)
        assert full["requests"] == full["client_requests"], "the emulator saw what was sent"
        assert full["records_per_second"] == pytest.approx(SIZE / full["seconds"])
        assert 0 < full["peak_rss_mb"] < 2000
    assert size["ceiling"]["records"] == SIZE
    assert size["ceiling"]["requests"] == 1, "the ceiling sends one CreateMultiple per 1,000"


def test_the_ratios_are_the_rates_divided(size):
    engine = size["full_to"]["records_per_second"]
    assert size["engine_vs_ceiling"] == pytest.approx(
        engine / size["ceiling"]["records_per_second"]
    )
    assert size["engine_vs_naive"] == pytest.approx(engine / size["naive"]["records_per_second"])


def test_work_is_counted_for_every_way_of_writing(size):
    for way in (size["full_to"], size["ceiling"], size["naive"]):
        assert way["work_per_1000"] > 0
    to = size["full_to"]
    assert to["work_per_1000"] == pytest.approx(
        1000 * (to["cpu_seconds"] + to["emulator_cpu_seconds"]) / SIZE
    )


def test_the_naive_way_sends_one_request_per_record(size):
    naive = size["naive"]
    assert (naive["records"], naive["sample"], naive["failed"]) == (SAMPLE, SAMPLE, 0)
    # One POST per record, plus what any run asks first (metadata, the local currency).
    assert SAMPLE <= naive["requests"] <= SAMPLE + 5
    assert naive["estimated_seconds_for_size"] == pytest.approx(SIZE / naive["records_per_second"])


def test_incremental_runs_write_only_what_changed(size):
    assert size["incremental_unchanged"]["written"] == 0
    changed = size["changed"]
    assert changed == {"local": SIZE // 100, "dataverse": SIZE // 100}
    one_percent = size["incremental_changed"]
    assert one_percent["modified"] == {"to": changed["local"], "from": changed["dataverse"]}
    assert one_percent["failed"] == 0
    assert size["incremental_unchanged"]["requests"] <= one_percent["requests"]


def test_each_target_is_judged(doc):
    names = [t["target"] for t in doc["targets"]]
    assert len(names) == 5
    assert all(t["met"] in (True, False, None) for t in doc["targets"])
    by_name = dict(zip(names, doc["targets"], strict=True))
    memory = next(t for n, t in by_name.items() if n.startswith("peak memory"))
    assert memory["met"] is None, "one size: nothing to compare"
    quiet = next(t for n, t in by_name.items() if n.startswith("incremental"))
    assert quiet["met"] is None, f"{SIZE} records say nothing about 100,000"


def test_the_table_shows_every_figure_and_target(doc):
    table = render(doc)
    assert f"{SIZE:,}" in table.splitlines()[2]
    for heading in ("ERP → Dataverse", "Dataverse → ERP", "ceiling", "Naive way", "no change"):
        assert heading in table
    marks = [line.strip()[0] for line in table.split("Targets")[1].strip().splitlines()]
    assert len(marks) == 5 and set(marks) <= {"✓", "✗", "–"}


def test_no_throw_away_data_is_left_behind(doc):
    assert not Path(doc["workdir"]).exists()
    server = postgres_server(os.environ.get("DATABASE_URL"))
    if server:
        import psycopg

        with psycopg.connect(with_database(server, "postgres")) as connection:
            left = connection.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
                [doc["database_prefix"] + "%"],
            ).fetchone()[0]
        assert left == 0
