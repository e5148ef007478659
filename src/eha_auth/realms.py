"""The realm rules eha_auth shares with the other apps (README, "How the apps meet").

Kept in step with eha_tenancy's copy by tests/test_contract.py.
"""

from __future__ import annotations

import re
from typing import Any

REALM_SESSION_KEY = "eha_realm"
REALM_HEADER = "Eha-Realm"
MAX_LENGTH = 63
# Letters, digits and . _ - inside; a letter or digit at both ends; ASCII only.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?", re.ASCII)


def is_valid_realm(name: Any) -> bool:
    """Return True when ``name`` can name a realm (a Group, a URL part, a username prefix).

    No ``__``: it separates the realm from the name in stored usernames.
    """
    return (isinstance(name, str) and _NAME.fullmatch(name) is not None
            and ".." not in name and "__" not in name)
