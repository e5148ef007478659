"""tests/projects/ops.py with the settings block of docs/production/observability.md."""

from pathlib import Path

from tests.projects.ops import *  # noqa: F403

_PAGE = Path(__file__).resolve().parents[2] / "docs" / "production" / "observability.md"
_BLOCK = next(block.split("```", 1)[0] for block in _PAGE.read_text().split("```python\n")
              if block.startswith("# settings.py"))
exec(_BLOCK)  # the page's block, exactly as written
