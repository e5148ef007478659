"""The demo site for the ASGI tests: fast password hashing; with EHA_ASGI_DOCS_DATABASES
set, DATABASES exactly as docs/production/asgi.md writes it (PostgreSQL, psycopg's pool)."""

import os
import re
from pathlib import Path

from example.settings import *  # noqa: F403

DOCS = Path(__file__).resolve().parents[2] / "docs" / "production" / "asgi.md"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: speed


def python_blocks(page: Path) -> list[str]:
    """Return the fenced ```python blocks of a Markdown page."""
    return re.findall(r"^```python\n(.*?)^```$", page.read_text(), re.S | re.M)


if os.environ.get("EHA_ASGI_DOCS_DATABASES"):
    exec(python_blocks(DOCS)[0])  # the page's settings block, as written
