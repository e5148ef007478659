"""Time a subject against its baseline in one process and report the ratio.

Each file in ``benchmarks/scenarios/`` runs in its own process (so each may
choose its Django settings) and defines::

    SETTINGS = "benchmarks.settings"        # the DJANGO_SETTINGS_MODULE to use

    def scenarios(bench: Bench) -> None:
        bench.compare("health-vs-bare", subject=..., baseline=..., target=1.05)

``compare`` calls subject and baseline alternately (A B A B ...), many times,
and records the medians; see ../shared/BENCH.md for the output contract.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# EHA_BENCH_ITERATIONS, when set, is the count of every timing loop (a quick run that
# only shows every scenario still runs: so few iterations give no meaningful ratio).
_FORCED_ITERATIONS = os.environ.get("EHA_BENCH_ITERATIONS")
ITERATIONS = int(_FORCED_ITERATIONS or 3000)


def iteration_count(count: int) -> int:
    """Return ``count``, or EHA_BENCH_ITERATIONS when that is set."""
    return int(_FORCED_ITERATIONS) if _FORCED_ITERATIONS else count


class Bench:
    """Collects scenario results for one scenarios file."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}

    def compare(
        self,
        name: str,
        *,
        subject: Callable[[], Any],
        baseline: Callable[[], Any],
        target: float,
        iterations: int = ITERATIONS,
        warmup: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Time subject and baseline interleaved; record and print the ratio."""
        iterations = iteration_count(iterations)
        for _ in range(warmup if warmup is not None else max(10, iterations // 20)):
            subject()
            baseline()
        subject_ns, baseline_ns = [], []
        for _ in range(iterations):
            subject_ns.append(timed(subject))
            baseline_ns.append(timed(baseline))
        return self.record(name, statistics.median(subject_ns) / 1000,
                           statistics.median(baseline_ns) / 1000, target, extra)

    def record(self, name: str, subject_us: float, baseline_us: float, target: float,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record figures measured some other way (for example by SQL EXPLAIN ANALYZE)."""
        ratio = subject_us / baseline_us if baseline_us else float("inf")
        result = {
            "subject_us": round(subject_us, 1),
            "baseline_us": round(baseline_us, 1),
            "ratio": round(ratio, 3),
            "target": target,
            "ok": ratio <= target,
            "extra": extra or {},
        }
        self.results[name] = result
        print(format_line(name, result), flush=True)
        return result


def timed(function: Callable[[], Any]) -> int:
    """Return the nanoseconds one call of ``function`` takes."""
    started = time.perf_counter_ns()
    function()
    return time.perf_counter_ns() - started


def format_line(name: str, result: dict[str, Any]) -> str:
    verdict = "ok" if result["ok"] else "FAIL"
    line = (f"{name}  subject {result['subject_us']:.0f} us  baseline "
            f"{result['baseline_us']:.0f} us  ratio {result['ratio']:.2f}  "
            f"target <= {result['target']:.2f}  {verdict}")
    if result["extra"]:
        line += "  " + " ".join(f"{k}={v}" for k, v in result["extra"].items())
    return line


def main() -> None:
    """Run one scenarios module: python -m benchmarks.harness <module> <results.json>."""
    module_name, results_path = sys.argv[1], Path(sys.argv[2])
    module_spec = importlib.util.find_spec(module_name)
    settings = _read_settings_name(Path(module_spec.origin))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    import django

    django.setup()
    bench = Bench()
    importlib.import_module(module_name).scenarios(bench)
    results_path.write_text(json.dumps(bench.results))


def _read_settings_name(path: Path) -> str:
    # The settings must be known before Django (and so the module) is imported.
    for line in path.read_text().splitlines():
        if line.startswith("SETTINGS = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    return "benchmarks.settings"


if __name__ == "__main__":
    main()
