"""python -m example.extapp <port>: serve the external service on 127.0.0.1."""

import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from example.extapp.app import default_app


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Handler(WSGIRequestHandler):
    def get_environ(self):
        environ = super().get_environ()
        environ["RAW_PATH"] = self.path.split("?", 1)[0]  # before any decoding
        environ["RAW_HEADERS"] = list(self.headers.items())  # exactly as received
        return environ

    def log_message(self, *args):
        pass


def main() -> None:
    port = int(sys.argv[1])
    with make_server("127.0.0.1", port, default_app(), ThreadingServer, Handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
