"""axe-core, Deque's accessibility engine, from the npm registry (fetched once per machine).

    page.add_script_tag(path=str(axe_script()))
    violations = page.evaluate(AXE_RUN)

npm installs the pinned version into .cache/axe (ignored by git) the first time a test
asks for it; later runs reuse it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.harness.servers import ROOT

AXE_VERSION = "4.14.1"
CACHE = ROOT / ".cache" / "axe"
#: Run axe in the page; return its violations as {id, impact, help, targets}.
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.map(n => n.target.join(" "))}));
}"""


def axe_script() -> Path:
    """Return axe.min.js of AXE_VERSION, installing it with npm when missing."""
    package = CACHE / "node_modules" / "axe-core"
    if _installed_version(package) != AXE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: apt-get install npm (nox does it).")
        subprocess.run([npm, "install", "--prefix", str(CACHE), "--no-save", "--no-package-lock",
                        "--no-audit", "--no-fund", f"axe-core@{AXE_VERSION}"],
                       check=True, capture_output=True, timeout=300)
    return package / "axe.min.js"


def _installed_version(package: Path) -> str | None:
    try:
        return json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
