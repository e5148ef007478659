"""A tiny real HTTP server that records what it receives.

    python -m tests.harness.echo <port>

``/status/<code>`` answers that status; ``/sleep/<seconds>`` answers after a
pause; every other path answers 200 with JSON describing the request
(method, path, query, headers, body length).
"""

import json
import sys
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.startswith("/status/"):
        code = int(path.rsplit("/", 1)[-1])
        start_response(f"{code} Status", [("Content-Type", "text/plain")])
        return [b""]
    if path.startswith("/sleep/"):
        time.sleep(float(path.rsplit("/", 1)[-1]))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    payload = json.dumps({
        "method": environ["REQUEST_METHOD"], "path": path,
        "query": environ.get("QUERY_STRING", ""), "headers": headers,
        "body_length": len(body),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


def main() -> None:
    port = int(sys.argv[1])
    with make_server("127.0.0.1", port, app, ThreadingServer, QuietHandler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
