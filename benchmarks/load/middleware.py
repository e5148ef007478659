"""Name the worker process in each response: the invalidation phase polls every one."""

import os

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

WORKER_HEADER = "X-Load-Worker"


class WorkerHeaderMiddleware:
    """Add X-Load-Worker: <pid> to every response; sync and async, so that under ASGI
    it adds no thread switch of its own."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.pid = str(os.getpid())
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        response = self.get_response(request)
        response[WORKER_HEADER] = self.pid
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        response[WORKER_HEADER] = self.pid
        return response
