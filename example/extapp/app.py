"""The external service as a plain WSGI application (see __init__.py)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

CHUNK = 64 * 1024


class State:
    """Users' tokens and a record of every request received."""

    def __init__(self, service_token: str) -> None:
        self.lock = threading.Lock()
        self.service_token = service_token
        self.tokens: dict[str, str] = {}   # token -> username
        self.counts: Counter = Counter()
        self.received: list[dict] = []
        self.token_delay = 0.0
        self.released = threading.Event()
        self.trickles: list[str] = []  # how each /trickle ended: "released" or "timed out"

    def user_for(self, token: str | None) -> str | None:
        if not token:
            return None
        if secrets.compare_digest(token, self.service_token):
            return "staff"
        with self.lock:
            return self.tokens.get(token)

    def token_of(self, username: str) -> str:
        with self.lock:
            for token, name in self.tokens.items():
                if name == username:
                    return token
            token = secrets.token_hex(20)
            self.tokens[token] = username
            return token

    def revoke(self, username: str | None) -> int:
        with self.lock:
            gone = [t for t, name in self.tokens.items() if username in (None, name)]
            for token in gone:
                del self.tokens[token]
            return len(gone)

    def record(self, entry: dict) -> None:
        with self.lock:
            self.counts[f"{entry['method']} {entry['route']}"] += 1
            self.received.append(entry)
            del self.received[:-500]


def make_app(service_token: str):
    state = State(service_token)

    def app(environ, start_response):
        route = re.sub(r"^.*?/api(?=/|$)", "", environ.get("PATH_INFO", "")) or "/"
        headers = request_headers(environ)
        length, digest = read_body(environ)
        entry = {"method": environ["REQUEST_METHOD"], "route": route,
                 "raw_path": environ.get("RAW_PATH", environ.get("PATH_INFO", "")),
                 "path": environ.get("PATH_INFO", ""), "query": environ.get("QUERY_STRING", ""),
                 "headers": headers, "body_length": length, "body_sha256": digest}
        user = authenticated(state, headers)
        if not route.startswith("/_admin/"):
            state.record(entry)
        return dispatch(state, route, entry, user, environ, start_response)

    return app


def request_headers(environ) -> dict[str, str]:
    if "RAW_HEADERS" in environ:
        return {name.title(): value for name, value in environ["RAW_HEADERS"]}
    headers = {key[5:].replace("_", "-").title(): value
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    return headers


def read_body(environ) -> tuple[int, str]:
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    digest, length, head = hashlib.sha256(), 0, b""
    while remaining > 0:
        chunk = environ["wsgi.input"].read(min(CHUNK, remaining))
        if not chunk:
            break
        head = head or chunk[:4096]
        digest.update(chunk)
        length += len(chunk)
        remaining -= len(chunk)
    environ["extapp.form"] = parse_qs(head.decode("latin-1"))
    return length, digest.hexdigest()


def authenticated(state: State, headers: dict[str, str]) -> str | None:
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Token "):
        return state.user_for(authorization[6:])
    if headers.get("X-Oauth-Token"):
        return "gateway:" + headers["X-Oauth-Token"][:8]
    return None


def respond(start_response, status: int, body: bytes | dict = b"",
            headers: list | None = None):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers = [("Content-Type", "application/json"), *(headers or [])]
    start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}",
                   [*(headers or []), ("Content-Length", str(len(body)))])
    return [body]


STATUS_TEXT = {200: "OK", 204: "No Content", 401: "Unauthorized", 403: "Forbidden",
               404: "Not Found"}


def dispatch(state, route, entry, user, environ, start_response):
    if route == "/token":
        return token_endpoint(state, entry, user, environ, start_response)
    if route.startswith("/_admin/"):
        return admin_endpoint(state, route, entry, user, start_response)
    if user is None:
        return respond(start_response, 401, {"detail": "Authentication credentials were not "
                                                       "provided."})
    if route.startswith("/bytes/"):
        return stream_bytes(int(route.rsplit("/", 1)[-1]), start_response)
    if route == "/trickle":
        return trickle(state, start_response)
    if route.startswith("/sleep/"):
        time.sleep(float(route.rsplit("/", 1)[-1]))
    if route.startswith("/status/"):
        return respond(start_response, int(route.rsplit("/", 1)[-1]))
    if route == "/redirect":
        target = parse_qs(entry["query"]).get("to", ["http://127.0.0.1:9/"])[0]
        return respond(start_response, 302, b"", [("Location", target)])
    if route == "/gzip":
        body = gzip.compress(b"compressed " * 100)
        return respond(start_response, 200, body, [("Content-Type", "text/plain"),
                                                   ("Content-Encoding", "gzip")])
    if route == "/cookies":
        return respond(start_response, 200, {"user": user}, [
            ("Set-Cookie", "sessionid=upstream-secret; Path=/"), ("X-Internal", "yes"),
            ("ETag", '"v1"'), ("Cache-Control", "no-store")])
    # Echo what arrived, but not the credentials: the caller sees which headers came.
    shown = {name: ("<redacted>" if name in ("Authorization", "X-Oauth-Token") else value)
             for name, value in entry["headers"].items()}
    return respond(start_response, 200, {**entry, "headers": shown, "user": user})


def token_endpoint(state, entry, user, environ, start_response):
    if user is None:
        return respond(start_response, 401, {"detail": "Invalid token."})
    if entry["method"] == "POST":
        time.sleep(state.token_delay)
        username = user
        if user == "staff":  # only staff may obtain a token for someone else
            username = environ["extapp.form"].get("username", [user])[0]
        return respond(start_response, 200, {"token": state.token_of(username)})
    return respond(start_response, 200, {"user": user})


def admin_endpoint(state, route, entry, user, start_response):
    if user != "staff":
        return respond(start_response, 403, {"detail": "staff only"})
    query = parse_qs(entry["query"])
    if route == "/_admin/received":
        with state.lock:
            return respond(start_response, 200, {"counts": dict(state.counts),
                                                 "received": list(state.received)})
    if route == "/_admin/reset":
        with state.lock:
            state.counts.clear()
            state.received.clear()
            state.token_delay = float(query.get("token_delay", ["0"])[0])
            state.released.clear()
            state.trickles.clear()
        return respond(start_response, 204)
    if route == "/_admin/release":
        state.released.set()
        return respond(start_response, 204)
    if route == "/_admin/trickles":
        with state.lock:
            return respond(start_response, 200, {"trickles": list(state.trickles)})
    if route == "/_admin/revoke":
        count = state.revoke(query.get("username", [None])[0])
        return respond(start_response, 200, {"revoked": count})
    return respond(start_response, 404, {"detail": "not found"})


def stream_bytes(size: int, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size))])
    block = b"x" * CHUNK

    def chunks():
        remaining = size
        while remaining > 0:
            yield block[:min(CHUNK, remaining)]
            remaining -= CHUNK

    return chunks()


def trickle(state: State, start_response, wait: float = 10.0):
    """Send a first piece at once, the rest after /_admin/release (or ``wait`` seconds).

    A proxy that streams hands the first piece on before the release; one that
    waits to fill a buffer only after the wait.
    """
    start_response("200 OK", [("Content-Type", "text/plain")])  # no length: read to EOF

    def pieces():
        yield b"first piece\n"
        released = state.released.wait(wait)
        with state.lock:
            state.trickles.append("released" if released else "timed out")
        yield b"the rest\n"

    return pieces()


def default_app():
    return make_app(os.environ.get("EXTAPP_SERVICE_TOKEN", "demo-service-token"))
