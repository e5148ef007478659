"""Run every scenarios file (or those named) and write benchmarks/results.json.

    python -m benchmarks.run [health tenancy ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(names: list[str]) -> int:
    files = sorted(p.stem for p in (HERE / "scenarios").glob("*.py") if p.stem != "__init__")
    chosen = [name for name in files if not names or name in names]
    results: dict = {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    failed_files = []
    for name in chosen:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            code = subprocess.call(
                [sys.executable, "-m", "benchmarks.harness", f"benchmarks.scenarios.{name}",
                 out.name], cwd=ROOT, env=env)
            if code:
                failed_files.append(name)
                continue
            results.update(json.loads(Path(out.name).read_text() or "{}"))
    (HERE / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"{sum(r['ok'] for r in results.values())}/{len(results)} scenarios within target;"
          f" results in {HERE / 'results.json'}")
    if failed_files:
        print(f"scenario files that crashed: {', '.join(failed_files)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
