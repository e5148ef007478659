"""Run wrk (Debian's /usr/bin/wrk) for a bounded time and read its report."""

from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)"


@dataclass
class WrkReport:
    """What one wrk run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int


def command(url: str, seconds: float, *, connections: int = 8, threads: int = 2,
            headers: dict[str, str] | None = None, timeout_s: int = 5) -> list[str]:
    """Return the wrk command line: latency distribution on, headers as -H options."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            f"--timeout={timeout_s}s", "--latency"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    return [*argv, url]


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse(output: str) -> WrkReport:
    """Return the figures of wrk's text report (raise ValueError if it is not one)."""
    done = re.search(r"(\d+) requests in " + _DURATION, output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not done or not rps:
        raise ValueError(f"not a wrk report:\n{output}")
    percentiles = {int(p): _ms(v, u) for p, v, u in
                   re.findall(r"^\s+(50|99)(?:\.000)?%\s+" + _DURATION, output, re.M)}
    latency = re.search(r"Latency\s+\S+\s+\S+\s+" + _DURATION, output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return WrkReport(
        requests=int(done[1]), seconds=_ms(done[2], done[3]) / 1000, rps=float(rps[1]),
        p50_ms=percentiles.get(50, 0.0), p99_ms=percentiles.get(99, 0.0),
        max_ms=_ms(latency[1], latency[2]) if latency else 0.0,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run(url: str, seconds: float, **options) -> WrkReport:
    """Run wrk against ``url`` for ``seconds``; return its report."""
    argv = command(url, seconds, **options)
    done = subprocess.run(argv, capture_output=True, text=True, check=True,
                          timeout=seconds + 60)
    return parse(done.stdout)


def combined(reports: list[WrkReport]) -> WrkReport:
    """Return one report for several runs of one scenario: requests over total time, the
    median of their medians, the worst of their 99th percentiles, every error."""
    requests = sum(report.requests for report in reports)
    seconds = sum(report.seconds for report in reports)
    return WrkReport(
        requests=requests, seconds=round(seconds, 2),
        rps=requests / seconds if seconds else 0.0,
        p50_ms=statistics.median(report.p50_ms for report in reports),
        p99_ms=max(report.p99_ms for report in reports),
        max_ms=max(report.max_ms for report in reports),
        non_2xx=sum(report.non_2xx for report in reports),
        socket_errors=sum(report.socket_errors for report in reports),
    )
