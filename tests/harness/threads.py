"""Run test code in other threads, as other requests of the same process would run.

Each thread has its own database connections (Django keeps them per thread);
they are closed when its function returns. An exception in a thread is raised
again in the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections


def together(function: Callable[..., Any], arguments: Iterable[Any],
             timeout: float = 60) -> list[Any]:
    """Call ``function(argument)`` for each argument, each in its own thread, all
    released at once; return the results in the order of ``arguments``."""
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    results: list[Any] = [None] * len(arguments)
    errors: list[BaseException] = []

    def run(index: int, argument: Any) -> None:
        try:
            barrier.wait()
            results[index] = function(argument)
        except BaseException as exc:  # raised again below, in the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    return results


def in_another_thread(function: Callable[[], Any], timeout: float = 60) -> Any:
    """Return ``function()`` run in a new thread (another request, as it were)."""
    return together(lambda _: function(), [None], timeout)[0]
