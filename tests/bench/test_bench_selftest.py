"""The benchmark harness itself (`make bench`): a tiny data set seeded into a throwaway bench
database, a `bench` run with every budget at zero (it must fail, and still print one valid
JSON object), and both commands refusing a database that is not a bench database.

The throwaway database is on the suite's own engine: a `*_bench` database on the same
PostgreSQL server when DATABASE_URL points at one (dropped afterwards), else a
bench.sqlite3 file in a temporary folder.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from bench.common import (
    bench_database_problem,
    bench_database_url,
    drop_postgres_database,
    ensure_postgres_database,
)

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"


def _env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "PYTEST_CURRENT_TEST"}}
    env.update(DATABASE_URL=database_url, DEBUG="false",
               CACHE_KEY_PREFIX=f"bench-selftest-{uuid.uuid4().hex[:8]}")
    return env


def _manage(env: dict, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def bench_url(tmp_path):
    if settings.DATABASES["default"]["ENGINE"] == POSTGRES and os.environ.get("DATABASE_URL"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = f"selftest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        url = bench_database_url(urlunsplit(parts._replace(path=f"/{name}")), tmp_path)
        ensure_postgres_database(url)
        yield url
        drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_only_bench_databases_are_accepted():
    assert bench_database_problem({"ENGINE": POSTGRES, "NAME": "portal_bench"}) is None
    assert "_bench" in bench_database_problem({"ENGINE": POSTGRES, "NAME": "portal"})
    assert bench_database_problem({"ENGINE": SQLITE, "NAME": "/x/bench.sqlite3"}) is None
    assert "bench.sqlite3" in bench_database_problem({"ENGINE": SQLITE, "NAME": "/x/db.sqlite3"})


def test_bench_url_is_derived_from_database_url(tmp_path):
    url = bench_database_url("postgres://u:p@db:5432/portal?sslmode=disable", tmp_path)
    assert url == "postgres://u:p@db:5432/portal_bench?sslmode=disable"
    assert bench_database_url("postgres://u@db/portal_bench", tmp_path).endswith("/portal_bench")
    assert bench_database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    assert bench_database_url("sqlite:///db.sqlite3", tmp_path).endswith("/bench.sqlite3")


@pytest.mark.parametrize("command", [["seed_bench", "--requests", "10"], ["bench"]])
def test_commands_refuse_a_database_that_is_not_a_bench_database(tmp_path, command):
    env = _env(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    result = _manage(env, *command)
    assert result.returncode == 1, result.stderr
    assert "Refusing to run" in result.stderr
    assert "bench.sqlite3" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "portal.sqlite3").exists() or (
        (tmp_path / "portal.sqlite3").stat().st_size == 0)


def test_seed_then_bench_with_zero_budgets_fails_with_one_json_object(bench_url):
    env = _env(bench_url)
    for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        result = _manage(env, *args)
        assert result.returncode == 0, result.stderr

    seeded = _manage(env, "seed_bench", "--requests", "200", "--no-progress")
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "SupportRequest 200" in seeded.stderr
    again = _manage(env, "seed_bench", "--requests", "200", "--no-progress")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reusing it" in again.stderr

    run = _manage(env, "bench", "--no-serve", "--budget-scale", "0", "--iterations", "2",
                  "--warmup", "1", timeout=180)
    assert run.returncode == 1, run.stderr[-3000:]
    report = json.loads(run.stdout)  # stdout is the JSON object and nothing else
    assert report["ok"] is False
    assert report["failed"]
    assert report["meta"]["data_set"]["requests"] == 200
    assert report["meta"]["budgets"] == {"queries": 0, "median_ms": 0.0, "sla_sweep_s": 0.0,
                                         "dispatch_s": 0.0}
    assert report["throughput"] == {"skipped": "--no-serve"}
    for name in ("home_request_list", "company_request_list", "request_detail",
                 "staff_dashboard", "home_feedback_section", "company_feedback_section",
                 "company_licences", "admin_request_changelist", "admin_licence_changelist",
                 "admin_feedback_response_changelist", "admin_request_change",
                 "api_request_list", "api_request_detail"):
        entry = report["queries"][name]
        assert entry["budget"] == 0
        assert entry["ok"] is False
        assert f"queries.{name}" in report["failed"]
    for name in ("company_request_list", "request_detail", "api_request_list",
                 "staff_dashboard"):
        assert report["timings_ms"][name]["ok"] is False
    assert report["sla_sweep"]["ok"] is False
    dispatch = report["feedback_dispatch"]
    assert dispatch["ok"] is False
    assert dispatch["requests"] == dispatch["queued"] == 20
    assert set(report["explain"]) == {"sweep", "dispatch"}
    assert report["explain"]["dispatch"]["plans"], "the dispatch query was explained"
