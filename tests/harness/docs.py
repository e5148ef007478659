"""The documentation as tests read it: README.md and every page under docs/.

A page another change adds under docs/ is read too, with nothing to register.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCED_PYTHON = re.compile(r"^[ \t]*```python\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)


def documentation_files() -> list[Path]:
    """Return README.md and every Markdown page of docs/, in a stable order."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def documentation() -> dict[str, str]:
    """Return the text of each documentation file, by its path from the repository root."""
    return {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
            for path in documentation_files()}


def python_blocks(text: str) -> list[str]:
    """Return the fenced ```python blocks of a page, indented ones (in lists) included."""
    return FENCED_PYTHON.findall(text)
