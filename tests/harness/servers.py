"""Run real local servers for tests: a process on a free loopback port.

    with LocalServer([sys.executable, "-m", "tests.harness.serve",
                      "example.idp.settings", "{port}"]) as idp:
        requests.get(idp.url + "/health")

``{port}`` in the command is replaced by the chosen port. The server is ready
when its port accepts connections (or ``ready_path`` answers); its output is
kept in a log file whose tail is shown if it fails to start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A server process on 127.0.0.1, started and stopped by the test."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        ready_path: str | None = None,
        port: int | None = None,
        timeout: float = 30,
    ) -> None:
        self.port = port or free_port()
        self.argv = [part.replace("{port}", str(self.port)) for part in argv]
        self.env = {**os.environ, "PYTHONPATH": _pythonpath(), **(env or {})}
        self.ready_path = ready_path
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="eha-server-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalServer:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv} exited early:\n{self.log_tail()}")
            if self._ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.argv} not ready in {self.timeout}s:\n{self.log_tail()}")

    def _ready(self) -> bool:
        if self.ready_path is None:
            with socket.socket() as sock:
                sock.settimeout(0.2)
                return sock.connect_ex(("127.0.0.1", self.port)) == 0
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def django_server(settings: str, *, env: Mapping[str, str] | None = None,
                  migrate: bool = True, ready_path: str | None = None,
                  port: int | None = None) -> LocalServer:
    """Return a LocalServer running a Django project's WSGI app (see serve.py)."""
    argv = [sys.executable, "-m", "tests.harness.serve", settings, "{port}"]
    if migrate:
        argv.append("--migrate")
    return LocalServer(argv, env=env, ready_path=ready_path, port=port, timeout=60)


def _pythonpath() -> str:
    parts = [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(part for part in parts if part)
