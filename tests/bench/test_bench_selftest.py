"""The benchmark harness itself (`make bench`): a tiny data set seeded into a throwaway bench
database through the product's own code, a `bench` run with every budget at zero (it must
fail, and still print one valid JSON object), a run with generous budgets next to a peer
harness and a base run (the ratio budgets pass), and both commands refusing a database
that is not a bench database.

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
from bench.pages import TIMED

from .peer_sample import PEER_RESULT

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


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench")
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


PAGES = ("home_request_list", "company_request_list", "request_detail", "staff_dashboard",
         "home_feedback_section", "company_feedback_section", "company_licences",
         "admin_request_changelist", "staff_search", "admin_licence_changelist",
         "admin_feedback_response_changelist", "admin_request_change", "api_request_list",
         "api_request_detail")
# Run in the bench database after the seed: what the product computes came from its code.
SEEDED_THROUGH_THE_PRODUCT = """
import re
from collections import defaultdict
from django.utils import timezone
from helpdesk.models import ReferenceCounter, SupportRequest
from helpdesk.requests.filing import format_reference
from helpdesk.sla.clock import clock_for
last = defaultdict(int)
for ref, created in SupportRequest.objects.values_list("reference", "created_at"):
    year, number = re.fullmatch(r"INC-(\\d{4})-(\\d{6})", ref).groups()
    assert int(year) == timezone.localtime(created).year, ref
    assert ref == format_reference(int(year), int(number))
    last[int(year)] = max(last[int(year)], int(number))
assert dict(ReferenceCounter.objects.values_list("year", "last")) == dict(last), last
premium = SupportRequest.objects.filter(plan__is_paid=True).select_related("plan", "company")
assert premium.exists()
for sr in premium[:50]:
    clock = clock_for(plan=sr.plan, priority=sr.priority, country=sr.company.country,
                      segment=sr.segment)
    assert sr.first_response_due == clock.due(sr.created_at, "first_response"), sr.reference
    assert sr.sla_state is not None
assert not SupportRequest.objects.filter(plan__is_paid=False, sla_state__isnull=False).exists()
print("seeded through the product")
"""


@pytest.fixture(scope="module")
def seeded(bench_url):
    """The env of a migrated bench database holding 200 requests, shared by the tests of
    this module (each bench run puts back what it measures first)."""
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
    return env


def _bench(env: dict, *args: str) -> tuple[int, dict, str]:
    run = _manage(env, "bench", "--no-serve", "--iterations", "2", "--warmup", "1", *args,
                  timeout=240)
    return run.returncode, json.loads(run.stdout), run.stderr  # stdout is the JSON alone


def test_the_seed_goes_through_the_products_code(seeded):
    checked = _manage(seeded, "shell", "-c", SEEDED_THROUGH_THE_PRODUCT)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "seeded through the product" in checked.stdout


def test_bench_with_zero_budgets_fails_every_budget_in_one_json_object(seeded, tmp_path):
    peer = tmp_path / "peer-result.json"
    peer.write_text(json.dumps(PEER_RESULT))
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"timings": {name: {"x_calibration": 0.01} for name in TIMED}}))

    code, report, stderr = _bench(seeded, "--budget-scale", "0", "--peer-result", str(peer),
                                  "--compare", str(base))
    assert code == 1, stderr[-3000:]
    assert report["ok"] is False
    failed = set(report["failed"])
    assert report["meta"]["data_set"]["requests"] == 200
    assert report["meta"]["budgets"]["queries"] == 0
    assert set(report["meta"]["budgets"]["page_x_calibration"].values()) == {0}
    assert report["throughput"] == {"skipped": "--no-serve"}

    calibration = report["calibration"]
    assert calibration["ok"] is True and calibration["path"] == "/bench/calibration/"
    assert calibration["median_ms"] > 0
    assert calibration["queries"] == 2, calibration["statements"]  # the session, its user
    assert "at_end" in calibration
    for name in PAGES:
        assert report["queries"][name]["ok"] is False
        assert f"queries.{name}" in failed
    assert set(report["timings"]) == set(TIMED)
    for name, entry in report["timings"].items():
        assert entry["ok"] is False and f"timings.{name}" in failed
        assert entry["x_calibration"] == pytest.approx(
            entry["median_ms"] / entry["calibration_ms"], abs=0.02)
        assert entry["budget_x"] == 0
    assert report["sla_sweep"]["ok"] is True  # no budget of its own
    assert report["sla_sweep"]["ms_per_item"] > 0
    dispatch = report["feedback_dispatch"]
    assert dispatch["ok"] is False and "feedback_dispatch" in failed
    assert dispatch["requests"] == dispatch["queued"] == 20
    assert dispatch["x_calibration"] > 0
    inbound = report["inbound_email"]
    assert inbound["ok"] is False and "inbound_email" in failed
    assert inbound["stored"] == inbound["processed"] == inbound["messages"] == 50
    assert inbound["outcomes"] == {"accepted": 50}, inbound  # every reply reached a request
    assert inbound["x_calibration"] > 0
    assert set(report["explain"]) == {"sweep", "dispatch"}
    assert report["explain"]["dispatch"]["plans"], "the dispatch query was explained"

    vs_peer = report["vs_peer"]
    assert vs_peer["peer"]["source"] == f"saved result {peer}"
    assert vs_peer["comparisons"]["request_detail_served"]["skipped"] == "--no-serve"
    for name, entry in vs_peer["comparisons"].items():
        if name != "request_detail_served":
            assert entry["ok"] is False and f"vs_peer.{name}" in failed
            assert entry["times_faster"] > 0 and entry["at_least"] is None
    growth = report["growth"]
    assert growth["base"]["file"] == str(base) and growth["tolerance"] == 0
    assert {f"growth.{name}" for name in TIMED} <= failed


def test_bench_with_generous_budgets_runs_the_peer_and_compares(seeded, tmp_path):
    harness = tmp_path / "peer"
    harness.mkdir()
    (harness / "run.sh").write_text(
        "echo 'peer: measuring' >&2\ncat <<'EOF'\n" + json.dumps(PEER_RESULT) + "\nEOF\n")
    saved = tmp_path / "out" / "result-200.json"
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"meta": {"data_set": {"requests": 100}},
                                "timings": {name: {"x_calibration": 1e6} for name in TIMED}}))

    code, report, stderr = _bench(seeded, "--budget-scale", "1000", "--peer", str(harness),
                                  "--save", str(saved), "--compare", str(base))
    # Only the plans are judged absolutely; on 200 rows the planner may scan the table.
    assert set(report["failed"]) <= {"explain.sweep", "explain.dispatch"}, report["failed"]
    assert code == (1 if report["failed"] else 0), stderr[-3000:]
    assert "peer: measuring" in stderr
    assert json.loads(saved.read_text()) == report
    assert json.loads((saved.parent / "peer-result.json").read_text()) == PEER_RESULT
    for entry in report["timings"].values():
        assert entry["ok"] is True
    assert report["inbound_email"]["ok"] is True
    assert report["vs_peer"]["ok"] is True
    assert report["vs_peer"]["peer"]["source"].endswith("run right before")
    assert set(report["growth"]["pages"]) == set(TIMED)
    assert report["growth"]["ok"] is True and report["growth"]["base"]["requests"] == 100

