"""Several worker processes on one redis-server: a change is refused everywhere within
AUTH_MEMO_SECONDS (1 s), whichever process made it."""

import json
import subprocess
import sys
import time

import requests

from tests.harness.servers import ROOT, _pythonpath, django_server

SETTINGS = "tests.projects.auth_shared"
BOUND = 1.0  # AUTH_MEMO_SECONDS of that project, the documented bound


class Changer:
    """A process of the project that changes users when told (shared_change.py)."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.eha_auth.shared_change"], cwd=ROOT, text=True,
            env={**env, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": _pythonpath()},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, step: str) -> dict:
        self.process.stdin.write(step + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def seen(server, found: dict) -> dict:
    """Return what the server answers for each user's session or token."""
    def get(path, **kwargs):
        return requests.get(server.url + path, timeout=10, **kwargs)

    token = get("/north/api/whoami", headers={"Authorization": f"Token {found['key']}"})
    return {name: get("/session", cookies={"sessionid": found[name]}).json()
            for name in ("ann", "bob", "dan")} | {"cat": token.status_code}


def test_every_worker_refuses_a_change_within_the_bound(redis_server, tmp_path):
    import os

    env = {**os.environ, "EHA_AUTH_DB": str(tmp_path / "db.sqlite3"),
           "EHA_REDIS_URL": redis_server.url}
    changer = Changer(env)
    try:
        found = changer.run("setup")
        workers = [django_server(SETTINGS, env=env, migrate=False) for _ in range(2)]
        with workers[0], workers[1]:
            for _ in range(2):  # the second round is answered from each worker's memory
                for worker in workers:
                    assert seen(worker, found) == {
                        "ann": {"user": "ann", "realms": ["north"]},
                        "bob": {"user": "bob", "realms": ["north"]},
                        "dan": {"user": "dan", "realms": ["north"]}, "cat": 200}
            changer.run("change")
            time.sleep(BOUND)
            for worker in workers:
                assert seen(worker, found) == {
                    "ann": {"user": None, "realms": None},
                    "bob": {"user": "bob", "realms": []},
                    "dan": {"user": None, "realms": None}, "cat": 401}
    finally:
        changer.stop()
