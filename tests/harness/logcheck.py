"""Secrets that must never appear in a log record, at any level, anywhere in the suite.

Tests register what they use (tokens, passwords, client secrets) with ``register``;
the autouse fixture in tests/conftest.py records every log record at DEBUG and fails
the test that logged one of them.
"""

from __future__ import annotations

import logging

_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Add values that no log line may contain (short ones are ignored: false positives)."""
    _secrets.update(value for value in values if value and len(value) >= 8)


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage()
        except Exception:  # a badly formatted record still must not hide a secret
            line = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            line += " " + repr(record.exc_info[1])
        self.lines.append(line)


def leaks(lines: list[str]) -> list[str]:
    """Return the lines holding a registered secret (the secret itself elided)."""
    found = []
    for line in lines:
        for secret in _secrets:
            if secret in line:
                found.append(line.replace(secret, "<SECRET>"))
    return found
