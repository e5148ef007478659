"""Metrics under gunicorn with two workers: any worker's scrape adds up every worker.

The server runs the settings block and the gunicorn config of
docs/production/observability.md as written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.harness import logcheck
from tests.harness.servers import ROOT, LocalServer, _pythonpath

PAGE = ROOT / "docs" / "production" / "observability.md"
TOKEN = "scrape-token-0123456789abcdef"
BAD_TOKEN = "no-such-api-token-0123456789"
REFUSED = {"method": "token", "outcome": "refused", "reason": "invalid token"}


def python_block(first_line: str) -> str:
    blocks = [block.split("```", 1)[0] for block in PAGE.read_text().split("```python\n")[1:]]
    (block,) = [block for block in blocks if block.startswith(first_line)]
    return block


@pytest.fixture
def site(tmp_path, local_server):
    logcheck.register(TOKEN, BAD_TOKEN)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(python_block("# gunicorn.conf.py"))
    env = {"DJANGO_SETTINGS_MODULE": "tests.projects.observability",
           "EHA_DB_FILE": str(tmp_path / "db.sqlite3"), "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "HEALTH_METRICS_TOKEN": TOKEN, "PYTHONPATH": _pythonpath()}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, **env})
    return local_server(LocalServer(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "--workers", "2",
         "--bind", "127.0.0.1:{port}", "tests.projects.wsgi"],
        env=env, ready_path="/health", timeout=60))


def refused_request(url: str) -> str:
    response = requests.get(f"{url}/north/token", timeout=10,
                            headers={"Authorization": f"Token {BAD_TOKEN}"})
    assert response.status_code == 401
    return response.headers["X-Worker-Pid"]


def refusals_counted(url: str) -> tuple[float, str]:
    response = requests.get(f"{url}/metrics", timeout=10,
                            headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    total = sum(sample.value for family in text_string_to_metric_families(response.text)
                for sample in family.samples
                if sample.name == "eha_auth_outcomes_total" and sample.labels == REFUSED)
    return total, response.headers["X-Worker-Pid"]


def test_counters_add_up_across_workers(site):
    sent: list[str] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(set(sent)) < 2 and len(sent) < 400:  # until both workers answered
            sent += pool.map(lambda _: refused_request(site.url), range(8))
    assert len(set(sent)) == 2, "the requests never reached the second worker"

    scrapers = {}
    for _ in range(200):  # until both workers answered a scrape
        total, pid = refusals_counted(site.url)
        scrapers[pid] = total
        if len(scrapers) == 2:
            break
    assert set(scrapers.values()) == {len(sent)}  # each worker answers the sum

    # A worker that exits (child_exit marks it dead) leaves its counts in the sum.
    os.kill(int(sent[0]), signal.SIGTERM)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{sent[0]}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refusals_counted(site.url)[0] == len(sent)
    assert "login refused: method='token' realm='north' reason='invalid token'" in (
        site.log.read_text())
