"""load-results.json: its shape, the summary table, and the exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .wrk import WrkReport

SCENARIO_FIELDS = ("rps", "p50_ms", "p99_ms", "non_2xx", "socket_errors",
                   "cache_round_trips_per_request")
INVALIDATIONS = ("membership_removed_ms", "token_revoked_ms", "user_deactivated_ms",
                 "backchannel_ms")


def scenario_result(report: WrkReport, redis_commands: int) -> dict[str, Any]:
    """Return one scenario's entry: wrk's figures and Redis commands per request."""
    per_request = redis_commands / report.requests if report.requests else 0.0
    return {"rps": round(report.rps, 1), "p50_ms": round(report.p50_ms, 2),
            "p99_ms": round(report.p99_ms, 2), "non_2xx": report.non_2xx,
            "socket_errors": report.socket_errors,
            "cache_round_trips_per_request": round(per_request, 2),
            "requests": report.requests}


def new_results(seconds: float, short: bool) -> dict[str, Any]:
    return {"seconds_per_scenario": seconds, "short": short, "servers": {}}


def failures(results: dict[str, Any]) -> list[str]:
    """Return what makes the run fail: non-2xx answers or socket errors under load.

    The scenarios and the provider-stopped outage count; the frozen provider is reported
    only, and an invalidation bound that could not be measured fails too.
    """
    found = []
    for server, data in results["servers"].items():
        checked = {**data.get("scenarios", {}),
                   "outage-provider-stopped": data.get("outage", {}).get("stopped", {})}
        for name, figures in checked.items():
            for field in ("non_2xx", "socket_errors"):
                if figures.get(field):
                    found.append(f"{server} {name}: {figures[field]} {field}")
        for name in INVALIDATIONS:
            if data.get("invalidation", {}).get(name, 0) is None:
                found.append(f"{server} {name}: not every worker refused in time")
    return found


def summary(results: dict[str, Any]) -> str:
    """Return the readable table of a run."""
    head = (f"{'server':<9} {'scenario':<24} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'non-2xx':>8} {'sock err':>8} {'cache rt/req':>12}")
    lines = [head, "-" * len(head)]
    for server, data in results["servers"].items():
        rows = {**data.get("scenarios", {}),
                **{f"outage-{name}": figures
                   for name, figures in data.get("outage", {}).items()}}
        for name, f in rows.items():
            lines.append(f"{server:<9} {name:<24} {f['rps']:>8} {f['p50_ms']:>8} "
                         f"{f['p99_ms']:>8} {f['non_2xx']:>8} {f['socket_errors']:>8} "
                         f"{f['cache_round_trips_per_request']:>12}")
        frozen = data.get("outage", {}).get("frozen", {})
        if "stalled" in frozen:
            lines.append(f"{server:<9} provider frozen: {frozen['stalled']} of "
                         f"{frozen['probes']} probe requests over 1 s, longest "
                         f"{frozen['longest_ms']} ms")
        bounds = data.get("invalidation", {})
        if bounds:
            lines.append(f"{server:<9} refused by every worker after: " + ", ".join(
                f"{name} {bounds.get(name)}" for name in INVALIDATIONS))
    return "\n".join(lines)


def write(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=2) + "\n")
