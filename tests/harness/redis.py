"""Start a throwaway redis-server for the test run (or use the user's own).

Set ``EHA_TEST_REDIS_URL=redis://host:port/db`` to use a server of your own; the
tests flush that database. Otherwise Debian's ``redis-server`` is started
on a free loopback port with no persistence, and stopped at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .servers import free_port

REDIS_URL_ENV = "EHA_TEST_REDIS_URL"


@dataclass
class RedisServer:
    url: str  # redis://host:port/db
    _stop: list = field(default_factory=list, repr=False)

    def cache_settings(self, **options) -> dict:
        """Return a Django CACHES entry for this server (RedisCache)."""
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": self.url, **options}

    def stop(self) -> None:
        while self._stop:
            self._stop.pop()()


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{log.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not listen on {port}:\n{log.read_text()}")


def start_server() -> RedisServer:
    """Start redis-server on a free loopback port, without persistence."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError(
            "redis-server not found: install it (apt-get install -y redis-server) "
            f"or set {REDIS_URL_ENV} to a server of your own"
        )
    folder = Path(tempfile.mkdtemp(prefix="eha-redis-", dir="/tmp"))
    port, log = free_port(), folder / "log"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--logfile", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    _wait_for(port, process, log)
    server = RedisServer(url=f"redis://127.0.0.1:{port}/0")

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)

    server._stop.append(stop)
    return server


def get_server() -> RedisServer:
    """Return the user's server if configured, else start a throwaway one."""
    url = os.environ.get(REDIS_URL_ENV)
    return RedisServer(url=url) if url else start_server()


if __name__ == "__main__":  # python -m tests.harness.redis: keep one running
    started = start_server()
    print(f"{REDIS_URL_ENV}={started.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        started.stop()
