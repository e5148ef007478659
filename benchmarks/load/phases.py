"""The phases: load scenarios (on every server in turn), provider outage, invalidation."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis as redis_client
import requests

from . import wrk
from .middleware import WORKER_HEADER
from .results import scenario_result

REALM = "alpha"
STALLED_MS = 1000.0
BURST_SECONDS = 3.0


@dataclass
class Credential:
    """A path and the headers that reach it as one caller."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)


class Target:
    """One running server, and the Redis every worker shares."""

    def __init__(self, url: str, redis_url: str) -> None:
        self.url = url
        self.redis = redis_client.Redis.from_url(redis_url)

    def commands_processed(self) -> int:
        # INFO is a command too: the caller subtracts the one read between two figures.
        return int(self.redis.info("stats")["total_commands_processed"])

    def get(self, credential: Credential, timeout: float = 10) -> requests.Response:
        """One request on a new connection (so successive ones spread over the workers)."""
        return requests.get(self.url + credential.path, timeout=timeout,
                            headers={**credential.headers, "Connection": "close"})

    def worker_pids(self, tries: int = 400) -> set[str]:
        """Return the worker processes seen answering /check-app (all of them, usually).

        Not /health: under ASGI the demo answers it before Django, with no worker header.
        """
        seen: set[str] = set()
        for _ in range(tries):
            seen.add(self.get(Credential("/check-app")).headers[WORKER_HEADER])
            if len(seen) >= 4:
                break
        return seen


def load(target: Target, credential: Credential, seconds: float,
         connections: int) -> dict:
    """Run wrk on one credential for ``seconds``; return its figures and cache round trips."""
    report, commands = _burst(target, credential, seconds, connections)
    return scenario_result(report, commands)


def interleaved(callers: dict[str, tuple[Target, Credential]], seconds: float,
                connections: int, burst: float = BURST_SECONDS) -> dict[str, dict]:
    """Load each server with its credential for ``seconds`` in all, in bursts of about
    ``burst`` seconds taken in turn (the order reversed every round), so that whatever
    else the machine does weighs on every server alike; return each server's figures."""
    rounds = max(1, round(seconds / burst))
    reports: dict[str, list[wrk.WrkReport]] = {name: [] for name in callers}
    commands = dict.fromkeys(callers, 0)
    order = list(callers)
    for _ in range(rounds):
        for name in order:
            target, credential = callers[name]
            report, used = _burst(target, credential, seconds / rounds, connections)
            reports[name].append(report)
            commands[name] += used
        order.reverse()
    return {name: scenario_result(wrk.combined(reports[name]), commands[name])
            for name in callers}


def _burst(target: Target, credential: Credential, seconds: float,
           connections: int) -> tuple[wrk.WrkReport, int]:
    before = target.commands_processed()
    report = wrk.run(target.url + credential.path, seconds, connections=connections,
                     headers=credential.headers)
    return report, target.commands_processed() - before - 1


def outage_stopped(target: Target, credential: Credential, seconds: float,
                   connections: int, stop: Callable[[], None]) -> dict:
    """wrk on the gateway list while the provider is stopped a third of the way in."""
    before = target.commands_processed()
    argv = wrk.command(target.url + credential.path, seconds, connections=connections,
                       headers=credential.headers)
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as running:
        time.sleep(seconds / 3)
        stop()
        output, _ = running.communicate(timeout=seconds + 60)
    commands = target.commands_processed() - before - 1
    return scenario_result(wrk.parse(output), commands)


def outage_frozen(target: Target, credential: Credential, seconds: float,
                  connections: int, freeze: Callable[[bool], None]) -> dict:
    """wrk, plus one prober timing each request, while the provider is SIGSTOPped."""
    latencies: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            started = time.monotonic()
            with contextlib.suppress(requests.RequestException):
                target.get(credential, timeout=30)
            latencies.append((time.monotonic() - started) * 1000)

    freeze(True)
    prober = threading.Thread(target=probe)
    try:
        prober.start()
        figures = load(target, credential, seconds, connections)
    finally:
        stop.set()
        prober.join()
        freeze(False)
    stalled = [ms for ms in latencies if ms > STALLED_MS]
    return {**figures, "probes": len(latencies), "stalled": len(stalled),
            "longest_ms": round(max(latencies, default=0.0), 1)}


def refusal_bound(target: Target, credentials: list[Credential], workers: set[str],
                  change: Callable[[], None], limit_s: float = 30.0) -> dict:
    """Make ``change``; return how long until every worker refuses every credential.

    Requests go one after another on new connections, round robin over the credentials,
    until each (credential, worker) pair has refused since it last accepted, or
    ``limit_s``. ``ms`` is the time from the change to the last acceptance seen plus
    the refusal that followed it, ``None`` when a worker still accepted at the end.
    """
    accepted_after: dict[tuple[int, str], float] = {}
    refused_at: dict[tuple[int, str], float] = {}
    wanted = {(n, pid) for n in range(len(credentials)) for pid in workers}
    change()
    start = time.monotonic()
    polls, accepted = 0, {credential.path: 0 for credential in credentials}
    while time.monotonic() - start < limit_s and not wanted <= refused_at.keys():
        for number, credential in enumerate(credentials):
            answer = target.get(credential)
            now, pid = time.monotonic() - start, answer.headers.get(WORKER_HEADER, "?")
            polls += 1
            if answer.status_code in (401, 403):
                refused_at.setdefault((number, pid), now)
            elif answer.ok:
                accepted[credential.path] += 1
                accepted_after[(number, pid)] = now
                refused_at.pop((number, pid), None)
    done = wanted <= refused_at.keys()
    return {"ms": round(max(refused_at.values()) * 1000, 1) if done else None,
            "last_accepted_ms": round(max(accepted_after.values(), default=0.0) * 1000, 1),
            "polls": polls, "accepted_after_change": accepted,
            "workers_refusing": len({pid for _, pid in refused_at})}


def warm(target: Target, credentials: list[Credential], rounds: int = 16) -> None:
    """Let every worker cache what these credentials need (all must be accepted)."""
    for _ in range(rounds):
        for credential in credentials:
            answer = target.get(credential)
            if not answer.ok:
                raise RuntimeError(f"{credential.path}: {answer.status_code} {answer.text}")
