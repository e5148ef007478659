"""``nox -s load``'s pure parts: wrk's report read, the results' shape, the exit rule, and
the commands docs/production/load.md shows. The load itself runs in ``nox -s load``."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from benchmarks.load import results, wrk
from benchmarks.load.run import SHORT_SECONDS, parse_args

from tests.harness.servers import LocalServer

DOCS = Path(__file__).resolve().parent.parent / "docs" / "production" / "load.md"
REPORT = """\
Running 3s test @ http://127.0.0.1:41000/load/token/notes/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    81.37ms   24.11ms   1.20s    77.10%
    Req/Sec    98.40     21.60   150.00     70.00%
  Latency Distribution
     50%  780.00us
     75%   90.12ms
     90%  110.50ms
     99%    1.05s
  296 requests in 3.01s, 412.00KB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:     98.34
Transfer/sec:    136.88KB
"""


def test_wrk_report_is_read_with_its_units() -> None:
    report = wrk.parse(REPORT)
    assert (report.requests, report.seconds, report.rps) == (296, 3.01, 98.34)
    assert (report.p50_ms, report.p99_ms, report.max_ms) == (0.78, 1050.0, 1200.0)
    assert (report.non_2xx, report.socket_errors) == (7, 6)


def test_bursts_of_one_scenario_combine_into_one_report() -> None:
    bursts = [wrk.WrkReport(requests=300, seconds=3.0, rps=100.0, p50_ms=10.0, p99_ms=40.0,
                            max_ms=50.0, non_2xx=0, socket_errors=1),
              wrk.WrkReport(requests=100, seconds=2.0, rps=50.0, p50_ms=30.0, p99_ms=90.0,
                            max_ms=95.0, non_2xx=2, socket_errors=0),
              wrk.WrkReport(requests=200, seconds=1.0, rps=200.0, p50_ms=20.0, p99_ms=60.0,
                            max_ms=70.0, non_2xx=0, socket_errors=0)]
    report = wrk.combined(bursts)
    assert (report.requests, report.seconds, report.rps) == (600, 6.0, 100.0)
    assert (report.p50_ms, report.p99_ms, report.max_ms) == (20.0, 90.0, 95.0)
    assert (report.non_2xx, report.socket_errors) == (2, 1)


def test_something_else_than_a_wrk_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk report"):
        wrk.parse("unable to connect to 127.0.0.1:9 Connection refused")


def test_the_command_sends_headers_and_bounds_the_time() -> None:
    argv = wrk.command("http://127.0.0.1:1/x", 2.6, headers={"Eha-Realm": "alpha"})
    assert argv[0] == "wrk" and "-d3s" in argv and "--latency" in argv
    assert argv[argv.index("-H") + 1] == "Eha-Realm: alpha"


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk not installed (apt-get install wrk)")
def test_a_real_wrk_run_is_read() -> None:
    server = LocalServer([sys.executable, "-m", "http.server", "{port}", "--bind",
                          "127.0.0.1"])
    with server:
        report = wrk.run(f"{server.url}/missing", 1, connections=2, threads=1)
    assert report.requests > 0
    assert report.non_2xx == report.requests  # every answer was a 404
    assert report.socket_errors == 0


def run_with(scenario: dict, stopped: dict, frozen: dict, bounds: dict) -> dict:
    found = results.new_results(3.0, True)
    found["servers"]["gunicorn"] = {
        "scenarios": {"token-list": scenario},
        "outage": {"stopped": stopped, "frozen": frozen},
        "invalidation": bounds}
    return found


def figures(non_2xx: int = 0, socket_errors: int = 0) -> dict:
    report = wrk.WrkReport(requests=300, seconds=3.0, rps=100.0, p50_ms=80.0, p99_ms=120.0,
                           max_ms=200.0, non_2xx=non_2xx, socket_errors=socket_errors)
    return results.scenario_result(report, redis_commands=600)


BOUNDS = dict.fromkeys(results.INVALIDATIONS, 12.5)


def test_a_scenario_entry_has_the_contract_fields() -> None:
    entry = figures()
    assert set(results.SCENARIO_FIELDS) <= entry.keys()
    assert entry["cache_round_trips_per_request"] == 2.0


def test_a_clean_run_passes_and_is_summed_up() -> None:
    found = run_with(figures(), figures(), {**figures(), "probes": 9, "stalled": 0,
                                            "longest_ms": 90.0}, BOUNDS)
    assert results.failures(found) == []
    table = results.summary(found)
    assert "token-list" in table and "outage-frozen" in table
    assert "membership_removed_ms 12.5" in table


def test_errors_under_load_or_with_the_provider_stopped_fail_the_run() -> None:
    found = run_with(figures(non_2xx=1), figures(socket_errors=2), figures(), BOUNDS)
    assert results.failures(found) == ["gunicorn token-list: 1 non_2xx",
                                       "gunicorn outage-provider-stopped: 2 socket_errors"]


def test_errors_with_the_provider_frozen_are_reported_only() -> None:
    found = run_with(figures(), figures(), figures(non_2xx=5, socket_errors=5), BOUNDS)
    assert results.failures(found) == []


def test_a_change_some_worker_never_refused_fails_the_run() -> None:
    found = run_with(figures(), figures(), figures(), {**BOUNDS, "token_revoked_ms": None})
    assert results.failures(found) == [
        "gunicorn token_revoked_ms: not every worker refused in time"]


def test_the_results_file_is_json(tmp_path) -> None:
    import json

    found = run_with(figures(), figures(), figures(), BOUNDS)
    results.write(found, tmp_path / "load-results.json")
    assert json.loads((tmp_path / "load-results.json").read_text()) == found


def documented_commands() -> list[str]:
    blocks = re.findall(r"```(?:console|bash|shell)\n(.*?)```", DOCS.read_text(), re.S)
    return [line.lstrip("$ ") for block in blocks for line in block.splitlines()
            if line.lstrip("$ ").startswith(("nox -s load", "python -m benchmarks.load"))]


def test_the_documented_commands_parse() -> None:
    commands = documented_commands()
    assert "nox -s load -- --short" in commands
    for command in commands:
        words = shlex.split(command)
        args = parse_args(words[words.index("--") + 1:] if "--" in words else words[3:])
        assert args.seconds > 0 and args.servers
    assert parse_args(["--short"]).seconds == SHORT_SECONDS


def test_the_documented_environment_switches_are_read_by_the_demo() -> None:
    settings = (DOCS.parent.parent.parent / "example" / "settings.py").read_text()
    table = DOCS.read_text().split("## The demo's production settings", 1)[1]
    names = re.findall(r"^\| `([A-Z_]+)`", table, re.M)
    assert {"DEBUG", "DATABASE_URL", "CONN_MAX_AGE", "REDIS_URL", "SESSION_ENGINE"} <= set(names)
    for name in names:
        assert name in settings, name
