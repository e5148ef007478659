"""One HTTP request sent straight to an ASGI application, as a server would send it."""

from __future__ import annotations

import asyncio
from typing import Any


async def asgi_request(application: Any, path: str, method: str = "GET", headers=(),
                       body: bytes = b"", root_path: str = "",
                       host: str = "testserver") -> tuple[int, dict[bytes, bytes], bytes]:
    """Send one request to ``application``; return (status, headers, body).

    The client stays connected until the answer is sent, so no disconnect is seen.
    """
    sent: list[dict] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if incoming:
            return incoming.pop()
        await asyncio.Event().wait()

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": root_path + path,
             "raw_path": (root_path + path).encode(), "root_path": root_path,
             "query_string": b"", "headers": [(b"host", host.encode()), *headers],
             "client": ("127.0.0.1", 4000), "server": (host, 80)}
    await application(scope, receive, send)
    return (sent[0]["status"], dict(sent[0]["headers"]),
            b"".join(message.get("body", b"") for message in sent[1:]))
