"""Liveness answered at the ASGI door, before Django's request handler.

Django's ASGI handler costs two thread switches per request of its own (the
``request_started`` signal's receivers and the response's ``close()``), which
HealthCheckMiddleware cannot avoid. Wrapping the application answers ``/health``
(under HEALTH_URL_PREFIXES and gateway prefixes, as the middleware does) on the
event loop, with no Django request at all:

    from django.core.asgi import get_asgi_application
    from eha_health.asgi import answer_liveness

    application = answer_liveness(get_asgi_application())

The answer is the ``health`` view's: 200 with an empty body, for GET and HEAD
without credentials. Every other request, and every other scope (lifespan,
websocket), goes to the wrapped application unchanged.

Two more costs of serving Django under ASGI are Django's, and each has its remedy here
(docs/production/asgi.md measures them):

- Django starts a new thread for each request's synchronous code and stops it at the
  end. ``reuse_threads`` lends each request a thread from a bounded set instead.
- Django switches threads for its own signals, for each ``MiddlewareMixin``
  middleware (twice), for a sync view and for rendering its response: eighteen times
  for a DRF list. ``get_asgi_application`` serves a request to a sync view in one.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import queue
import threading
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Executor, Future
from contextlib import closing
from typing import IO, Any

import django
from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import ImproperlyConfigured, RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver, set_script_prefix
from django.urls.exceptions import Resolver404

from .middleware import health_view_for
from .views import health

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]

_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"0")]


def answer_liveness(application: ASGIApp) -> ASGIApp:
    """Return ``application`` with ``/health`` answered before it is called."""

    async def door(scope: Scope, receive: Callable[[], Awaitable[Any]],
                   send: Callable[[Any], Awaitable[None]]) -> None:
        if not _is_liveness_probe(scope):
            await application(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": b""})

    return door


def _is_liveness_probe(scope: Scope) -> bool:
    if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
        return False
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return health_view_for(path) is health and not _carries_credentials(scope)


def _carries_credentials(scope: Scope) -> bool:
    """The middleware's rule: an Authorization header or a session cookie passes on."""
    cookie = f"{settings.SESSION_COOKIE_NAME}=".encode()
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and _has_cookie(value, cookie)):
            return True
    return False


def _has_cookie(header: bytes, prefix: bytes) -> bool:
    return any(part.strip().startswith(prefix) for part in header.split(b";"))


def reuse_threads(application: ASGIApp, threads: int | None = None) -> ASGIApp:
    """Return ``application`` with each HTTP request's synchronous code run on a thread
    lent from a set of at most ``threads`` (by default ``concurrent.futures``' own:
    ``min(32, os.cpu_count() + 4)``), instead of a thread started for it alone.

    What Django promises still holds: all the synchronous code of one request runs on
    one thread, and no other request's code runs there meanwhile. A request that finds
    every thread lent waits for one, as a sync worker's next request waits: size
    ``threads`` with the database pool (``OPTIONS["pool"]["max_size"]``).
    """
    if "executor" not in inspect.signature(ThreadSensitiveContext).parameters:
        raise ImproperlyConfigured(
            "eha_health.asgi.reuse_threads needs asgiref 3.13 or later "
            "(ThreadSensitiveContext(executor=)); install eha-django[server] or upgrade "
            "asgiref, or serve without reuse_threads.")
    size = threads if threads is not None else min(32, (os.cpu_count() or 1) + 4)
    if size < 1:
        raise ImproperlyConfigured(f"reuse_threads(threads={threads!r}): give at least 1.")
    lender = _ThreadLender(size)

    async def lent(scope: Scope, receive: Callable[[], Awaitable[Any]],
                   send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await application(scope, receive, send)
            return
        executor = await lender.borrow()
        try:
            # Django's own ThreadSensitiveContext, inside, finds this one and keeps it.
            async with ThreadSensitiveContext(executor=executor):
                await application(scope, receive, send)
        finally:
            lender.give_back(executor)

    lent.lender = lender  # type: ignore[attr-defined]  # for tests and metrics
    return lent


class RequestThread(Executor):
    """One thread that runs what it is given, one call at a time, in order: what
    ThreadSensitiveContext(executor=) asks for, with less bookkeeping per call than a
    one-worker ThreadPoolExecutor (no idle semaphore, no shutdown locks), which a
    request pays for at each of its thread switches."""

    _numbers = itertools.count()

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Future, Callable, tuple, dict] | None] = (
            queue.SimpleQueue())
        self._thread = threading.Thread(target=self._work, daemon=True,
                                        name=f"eha-request-{next(self._numbers)}")
        self._thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        self._calls.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._calls.put(None)
        if wait:
            self._thread.join()

    def _work(self) -> None:
        while (call := self._calls.get()) is not None:
            future, fn, args, kwargs = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # handed to the caller, as an executor does
                future.set_exception(error)
            else:
                future.set_result(result)
            del call, future, fn, args, kwargs  # nothing of a request outlives its call


class _ThreadLender:
    """Up to ``size`` one-thread executors, started when first needed and kept; the most
    recently returned is lent first (its thread is warm). Used on the event loop only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.started = 0
        self.idle: list[RequestThread] = []
        self.waiting: deque[asyncio.Future[RequestThread]] = deque()

    async def borrow(self) -> RequestThread:
        if self.idle:
            return self.idle.pop()
        if self.started < self.size:
            self.started += 1
            return RequestThread()
        turn: asyncio.Future[RequestThread] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            # Given a thread just as the client went away: pass it on.
            if turn.done() and not turn.cancelled():
                self.give_back(turn.result())
            raise

    def give_back(self, executor: RequestThread) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(executor)
                return
        self.idle.append(executor)


def get_asgi_application() -> OneSwitchASGIHandler:
    """Django's ``get_asgi_application()``, with each request to a synchronous view
    served in one thread switch (see ``OneSwitchASGIHandler``)."""
    django.setup(set_prefix=False)
    return OneSwitchASGIHandler()


class OneSwitchASGIHandler(ASGIHandler):
    """Django's ASGIHandler, serving a request to a synchronous view as a WSGI worker
    would, in one thread switch: Django's ``request_started`` receivers, MIDDLEWARE
    (chained as under WSGI), the view, the rendering of its response, and the
    response's ``close()``. The body is read and the answer written on the event loop.

    Django's own handler switches for each of these, and twice for each
    ``MiddlewareMixin`` middleware: 17 to 19 times for a DRF list behind the seven
    middleware of ``startproject`` and eha's, where a switch costs about as much as
    the view.

    A request to a coroutine view (in ROOT_URLCONF) takes Django's own asynchronous
    path instead, where async-capable middleware run on the event loop and the view
    can be cancelled when the client leaves. A URLconf with no coroutine view (every
    DRF project's) sends every request the synchronous way without resolving it first.
    """

    def __init__(self) -> None:
        super().__init__()  # MIDDLEWARE chained for the event loop: coroutine views
        # MIDDLEWARE chained as under WSGI: everything else. Each middleware is made once
        # for each chain, as it would be in two processes.
        self.sync_handler = BaseHandler()
        self.sync_handler.load_middleware(is_async=False)
        self._routes: tuple[URLResolver, bool] | None = None

    async def handle(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                     send: Callable[[Any], Awaitable[None]]) -> None:
        if self.reaches_coroutine(scope):
            await super().handle(scope, receive, send)  # type: ignore[arg-type]  # a scope is a dict
            return
        try:
            body = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body):
            response = await sync_to_async(self.serve)(scope, body)
            if not response.streaming:
                await self.send_whole(response, send)
                return
            # Django's own path for a stream: sent from the event loop, then closed
            # (Django 4.2's send_response closes it itself).
            await self.send_response(response, send)
            if django.VERSION >= (5, 0):
                await sync_to_async(response.close)()

    def serve(self, scope: Scope, body: IO[bytes]) -> HttpResponseBase:
        """Return the response to the request, made on the request's thread as
        WSGIHandler makes it. A whole (not streaming) response is closed here, once its
        content is made, so that Django's ``request_finished`` receivers (which close
        the database connection) need no switch of their own."""
        set_script_prefix(settings.FORCE_SCRIPT_NAME or scope.get("root_path", "") or "")
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refused = self.create_request(scope, body)
        response = refused if request is None else self.sync_handler.get_response(request)
        assert response is not None  # create_request returns a request or a response
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # the sender of request_finished
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    async def send_whole(self, response: HttpResponseBase,
                         send: Callable[[Any], Awaitable[None]]) -> None:
        """Send a response that is not streamed, as Django's ``send_response`` sends it
        (which, on Django 4.2, would close it a second time)."""
        headers = [(name.encode("ascii"), value.encode("latin1"))
                   for name, value in response.items()]
        headers += [(b"Set-Cookie", cookie.OutputString().encode("ascii"))
                    for cookie in response.cookies.values()]
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": headers})
        content = response.content  # type: ignore[attr-defined]  # not streaming
        for chunk, last in self.chunk_bytes(content):
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})

    def reaches_coroutine(self, scope: Scope) -> bool:
        """Return True when ROOT_URLCONF sends the request to a coroutine view."""
        resolver = get_resolver()
        if self._routes is None or self._routes[0] is not resolver:
            try:
                self._routes = (resolver, _any_coroutine(resolver.url_patterns))
            except Exception:  # a broken URLconf: the WSGI-style chain reports it as Django does
                return False
        if not self._routes[1]:
            return False
        prefix = settings.FORCE_SCRIPT_NAME or scope.get("root_path", "") or ""
        path = scope["path"].removeprefix(prefix) if prefix else scope["path"]
        try:
            return iscoroutinefunction(resolver.resolve(path).func)
        except Resolver404:
            return False


def _any_coroutine(patterns: list[URLPattern | URLResolver]) -> bool:
    return any(_any_coroutine(pattern.url_patterns) if isinstance(pattern, URLResolver)
               else iscoroutinefunction(pattern.callback) for pattern in patterns)
