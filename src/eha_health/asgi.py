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
- Each of Django's own middleware (``MiddlewareMixin``: session, CSRF, messages...)
  switches threads twice per request. ``one_hop`` runs a list of them as one
  middleware: their ``process_request`` hooks in one switch, their
  ``process_response`` hooks in another.
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
from typing import Any

import django
from asgiref.sync import (
    ThreadSensitiveContext,
    iscoroutinefunction,
    markcoroutinefunction,
    sync_to_async,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response, response_for_exception
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

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


Middleware = Callable[[HttpRequest], Any]


def get_asgi_application() -> ASGIHandler:
    """Django's ``get_asgi_application()``, whose handler runs each run of consecutive
    ``MiddlewareMixin`` middleware in MIDDLEWARE as one middleware (see ``one_hop``).

    MIDDLEWARE itself is left as written, so Django's checks and every tool that reads
    it see what they expect; only the handler's chain differs.
    """
    django.setup(set_prefix=False)
    return OneHopASGIHandler()


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGIHandler, loading MIDDLEWARE with its runs of hooks-only middleware
    joined (``one_hop``): the same hooks, in the same order, with fewer thread switches.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        listed = list(settings.MIDDLEWARE)
        # Django's loader reads settings.MIDDLEWARE; it reads the joined list for the
        # time it takes to build the chain, once, as the process starts.
        settings.MIDDLEWARE = joined(listed)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = listed


def joined(listed: list[str]) -> list[str]:
    """Return ``listed`` (MIDDLEWARE) with each run of two or more consecutive
    hooks-only ``MiddlewareMixin`` middleware replaced by the path of one ``one_hop``
    middleware made of them."""
    result: list[str] = []
    run: list[str] = []
    for path in [*listed, ""]:
        if path and _is_hooks_only(path):
            run.append(path)
            continue
        if len(run) > 1:
            result.append(_joined_path(tuple(run)))
        else:
            result.extend(run)
        run = []
        if path:
            result.append(path)
    return result


_JOINED: dict[str, type] = {}


def _joined_path(paths: tuple[str, ...]) -> str:
    for name, cls in _JOINED.items():
        if cls.members == paths:  # type: ignore[attr-defined]
            return f"{__name__}.{name}"
    name = f"OneHop{len(_JOINED)}"
    _JOINED[name] = one_hop(*paths)
    return f"{__name__}.{name}"


def __getattr__(name: str) -> type:
    """The joined middleware, by the name ``joined`` gave it (for Django's import_string)."""
    try:
        return _JOINED[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def one_hop(*paths: str) -> type:
    """Return a middleware class that runs the ``MiddlewareMixin`` middleware at
    ``paths`` (dotted, in MIDDLEWARE order) as if each were listed in MIDDLEWARE.

    Under ASGI, where Django would switch threads twice for each of them (once for
    ``process_request``, once for ``process_response``), it switches once for all
    their ``process_request`` hooks and once for all their ``process_response`` hooks,
    and once for their ``process_view`` hooks when any has one that would do anything
    (Django's CSRF check returns at once for an exempt view: that is decided on the
    event loop). The hooks still run on the request's thread, in Django's order, with
    Django's rules: a response from ``process_request`` skips the middleware inside
    it, and an exception becomes the response Django would make of it. Given a
    synchronous ``get_response`` (WSGI), it chains them exactly as Django would.
    """
    if not paths:
        raise ImproperlyConfigured("one_hop() needs at least one middleware path.")

    class OneHopMiddleware:
        sync_capable = True
        async_capable = True
        members = paths

        def __init__(self, get_response: Middleware) -> None:
            classes = [_hook_only_middleware(path) for path in paths]
            self.get_response = get_response
            self.async_mode = iscoroutinefunction(get_response)
            if self.async_mode:
                markcoroutinefunction(self)
                self.hooks = [cls(_never_called) for cls in classes]
            else:
                # Django's own chain, built as load_middleware builds it.
                chain, self.hooks = get_response, []
                for cls in reversed(classes):
                    self.hooks.insert(0, cls(chain))
                    chain = convert_exception_to_response(self.hooks[0])
                self.chain = chain
            self.responses = [hook.process_response if hasattr(hook, "process_response")
                              else None for hook in self.hooks]
            # The handler's own hooks, gathered in the order it gathers them, and offered
            # (as methods: the handler names them by their instance) only when a member
            # has one: each costs Django a thread switch per request.
            self.views = [hook.process_view for hook in self.hooks
                          if hasattr(hook, "process_view")]
            inside_out = list(reversed(self.hooks))
            self.templates = [hook.process_template_response for hook in inside_out
                              if hasattr(hook, "process_template_response")]
            self.exceptions = [hook.process_exception for hook in inside_out
                               if hasattr(hook, "process_exception")]
            if self.views:
                self.process_view = self.aprocess_view if self.async_mode else self.view_hooks
            if self.templates:
                self.process_template_response = self.template_hooks
            if self.exceptions:
                self.process_exception = self.exception_hooks

        def view_hooks(self, request: HttpRequest, view: Callable[..., Any], args: tuple,
                       kwargs: dict, hooks: list | None = None) -> HttpResponseBase | None:
            for hook in self.views if hooks is None else hooks:
                response = hook(request, view, args, kwargs)
                if response is not None:
                    return response
            return None

        def template_hooks(self, request: HttpRequest,
                           response: HttpResponseBase) -> HttpResponseBase:
            for hook in self.templates:
                response = hook(request, response)
            return response

        def exception_hooks(self, request: HttpRequest,
                            exception: Exception) -> HttpResponseBase | None:
            for hook in self.exceptions:
                response = hook(request, exception)
                if response is not None:
                    return response
            return None

        def __call__(self, request: HttpRequest) -> Any:
            if self.async_mode:
                return self.__acall__(request)
            return self.chain(request)

        async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
            entered, response = await sync_to_async(self.enter)(request)
            if response is None:
                response = await self.get_response(request)
            return await sync_to_async(self.leave)(request, response, entered)

        async def aprocess_view(self, request: HttpRequest, view: Callable[..., Any],
                                args: tuple, kwargs: dict) -> HttpResponseBase | None:
            """The members' process_view hooks, in one switch; none when each would
            return None at once (CSRF for an exempt view, as every DRF view is)."""
            due = [hook for hook in self.views if not _csrf_passes(hook, request, view)]
            if not due:
                return None
            return await sync_to_async(self.view_hooks)(request, view, args, kwargs, due)

        def enter(self, request: HttpRequest) -> tuple[int, HttpResponseBase | None]:
            """Run the process_request hooks in order; return how many middleware were
            entered and the answer of the one that answered, if any."""
            for entered, hook in enumerate(self.hooks, start=1):
                try:
                    response = (hook.process_request(request)
                                if hasattr(hook, "process_request") else None)
                except Exception as error:
                    return entered - 1, response_for_exception(request, error)
                if response is not None:
                    return entered, response
            return len(self.hooks), None

        def leave(self, request: HttpRequest, response: HttpResponseBase,
                  entered: int) -> HttpResponseBase:
            """Run the process_response hooks of the entered middleware, inside out."""
            for process_response in reversed(self.responses[:entered]):
                if process_response is not None:
                    try:
                        response = process_response(request, response)
                    except Exception as error:
                        response = response_for_exception(request, error)
            return response

    return OneHopMiddleware


def _is_hooks_only(path: str) -> bool:
    try:
        return _hooks_only(import_string(path))
    except ImportError:
        return False  # Django's loader names it in its own error


def _hooks_only(cls: Any) -> bool:
    """Return True for a MiddlewareMixin middleware that only has hooks (no __call__)."""
    return (isinstance(cls, type) and issubclass(cls, MiddlewareMixin)
            and cls.__call__ is MiddlewareMixin.__call__
            and getattr(cls, "__acall__", None) is MiddlewareMixin.__acall__)


def _hook_only_middleware(path: str) -> type[MiddlewareMixin]:
    try:
        cls = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"one_hop(): cannot import {path!r}: {error}") from error
    if not _hooks_only(cls):
        raise ImproperlyConfigured(
            f"one_hop(): {path} is not a hooks-only MiddlewareMixin middleware "
            "(it is a function or defines its own __call__); list it in MIDDLEWARE "
            "on its own instead.")
    return cls


def _csrf_passes(hook: Callable[..., Any], request: HttpRequest,
                 view: Callable[..., Any]) -> bool:
    """Return True when Django's own CsrfViewMiddleware.process_view would return None
    before doing anything: the request was checked already, or the view is exempt."""
    return (getattr(hook, "__func__", None) is CsrfViewMiddleware.process_view
            and (getattr(request, "csrf_processing_done", False)
                 or getattr(view, "csrf_exempt", False)))


def _never_called(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("one_hop() calls its middleware's hooks, never the middleware")
