"""Name the worker process in each response: the invalidation phase polls every one."""

import os

WORKER_HEADER = "X-Load-Worker"


class WorkerHeaderMiddleware:
    """Add X-Load-Worker: <pid> to every response (sync only: one header, no I/O)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.pid = str(os.getpid())

    def __call__(self, request):
        response = self.get_response(request)
        response[WORKER_HEADER] = self.pid
        return response
