"""Readiness checks used by the tests (referenced by dotted path in settings)."""

import threading

from eha_health import CheckFailed

calls = {"counting": 0}
release = threading.Event()


def passing():
    return {"answer": 42}


def counting():
    calls["counting"] += 1


def failing():
    raise CheckFailed("the upstream said no")


def raising():
    raise ZeroDivisionError("secret-detail-not-for-the-public")


def hanging():
    release.wait(30)


class ClassBased:
    name = "class-based"

    def check(self):
        return "fine"
