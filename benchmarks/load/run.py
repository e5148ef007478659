"""Run every phase against gunicorn (WSGI) and uvicorn (ASGI) workers; write the results.

Django and the apps are imported inside the functions that use them: their settings come
from the environment of the servers this run starts, so Django is set up only then.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import requests
from tests.harness.servers import free_port

from . import phases, results, stack
from .phases import REALM, Credential, Target

FULL_SECONDS, SHORT_SECONDS = 15.0, 3.0
CONNECTIONS = 8
REALM_HEADER = {"Eha-Realm": REALM}
DEMO_PASSWORD = "load-Pw-1"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load",
                                     description="The demo under load (docs/production/load.md).")
    parser.add_argument("--short", action="store_true",
                        help=f"{SHORT_SECONDS:g} s per scenario (CI) instead of "
                             f"{FULL_SECONDS:g} s")
    parser.add_argument("--seconds", type=float, help="seconds per scenario")
    parser.add_argument("--servers", default=",".join(stack.SERVERS),
                        help="comma-separated: gunicorn, uvicorn")
    parser.add_argument("--output", type=Path, default=Path("load-results.json"))
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (SHORT_SECONDS if args.short else FULL_SECONDS)
    args.servers = [name for name in args.servers.split(",") if name]
    unknown = set(args.servers) - set(stack.SERVERS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    return args


def setup_django(env: dict[str, str]) -> None:
    """Set this process up on the same PostgreSQL and Redis: migrate, seed the demo."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo_setup", stdout=io.StringIO())


def member(name: str):
    """Return a new user of realm alpha with DEMO_PASSWORD."""
    from django.contrib.auth import get_user_model

    from eha_tenancy import add_user_to_realm

    user = get_user_model().objects.create_user(name, password=DEMO_PASSWORD)
    add_user_to_realm(REALM, user)
    return user


def token_credential(user) -> Credential:
    from eha_auth.models import ApiToken

    _, key = ApiToken.create_for(user, name="load")
    return Credential("/load/token/notes/", {"Authorization": f"Token {key}", **REALM_HEADER})


def signed_in(target: Target, login_path: str, fields: dict[str, str]) -> Credential:
    """Sign in through a login form once; return the session cookie as a credential."""
    browser = requests.Session()
    browser.get(target.url + login_path, headers=REALM_HEADER, timeout=30)
    answer = browser.post(target.url + login_path, timeout=30, allow_redirects=False,
                          headers=REALM_HEADER,
                          data={**fields, "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    if answer.status_code != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"sign-in at {login_path} failed: {answer.status_code}")
    return Credential("/load/session/notes/",
                      {"Cookie": f"sessionid={browser.cookies['sessionid']}", **REALM_HEADER})


def password_session(target: Target, user) -> Credential:
    return signed_in(target, "/accounts/login/",
                     {"username": user.get_username(), "password": DEMO_PASSWORD})


def gateway_credential(provider: stack.Provider) -> Credential:
    """A token of the front end's client, as the gateway forwards it."""
    from example.idp import seed

    answer = requests.post(
        f"{provider.url}/realms/{REALM}/protocol/openid-connect/token", timeout=30,
        data={"grant_type": "password", "client_id": seed.PUBLIC_CLIENT_ID,
              "username": "alice", "password": seed.password(REALM, "alice"),
              "scope": "openid profile email"})
    answer.raise_for_status()
    return Credential(f"/{REALM}/demo/load/notes/",
                      {"X-Oauth-Token": answer.json()["access_token"]})


def scenarios(target: Target, provider: stack.Provider, tag: str) -> dict[str, Credential]:
    user = member(f"load-{tag}")
    return {
        "health": Credential("/health"),
        "open-list": Credential("/load/open/notes/", REALM_HEADER),
        "gateway-list": gateway_credential(provider),
        "token-list": token_credential(user),
        "session-list": password_session(target, user),
    }


def backchannel_logout(provider: stack.Provider) -> None:
    """End bob's provider sessions as the provider's admin does: clients are told."""
    admin = {"X-Idp-Admin": stack.IDP_ADMIN_TOKEN}
    base = f"{provider.url}/_admin/realms/{REALM}"
    sids = requests.get(f"{base}/users/bob/sessions", headers=admin, timeout=30).json()
    for sid in sids["sessions"]:
        requests.delete(f"{base}/sessions/{sid}", headers=admin, timeout=30).raise_for_status()


def invalidation(target: Target, provider: stack.Provider, tag: str,
                 workers: set[str]) -> dict:
    """Measure, for each change, how long until every worker refuses."""
    from eha_auth.models import ApiToken
    from eha_tenancy import remove_user_from_realm

    revoked = member(f"revoked-{tag}")
    removed, inactive = member(f"removed-{tag}"), member(f"inactive-{tag}")

    def deactivate() -> None:
        inactive.is_active = False
        inactive.save()

    cases = {
        "token_revoked": ([token_credential(revoked)],
                          lambda: ApiToken.objects.filter(user=revoked).delete()),
        "membership_removed": ([token_credential(removed), password_session(target, removed)],
                               lambda: remove_user_from_realm(REALM, removed)),
        "user_deactivated": ([token_credential(inactive), password_session(target, inactive)],
                             deactivate),
        "backchannel": ([signed_in(target, "/-/demo/accounts/password-login/", {
            "realm": REALM, "username": "bob", "password": _idp_password("bob")})],
            lambda: backchannel_logout(provider)),
    }
    found = {}
    for name, (credentials, change) in cases.items():
        phases.warm(target, credentials)
        found[name] = phases.refusal_bound(target, credentials, workers, change)
    bounds = {f"{name}_ms": detail["ms"] for name, detail in found.items()}
    return {**bounds, "detail": found}


def _idp_password(username: str) -> str:
    from example.idp import seed

    return seed.password(REALM, username)


def run_scenarios(kinds: list[str], port: int, env: dict[str, str],
                  provider: stack.Provider, seconds: float) -> dict[str, dict]:
    """Every scenario against every server kind, all of them up at once and loaded in
    turn (phases.interleaved): their rates compare, whatever the machine did meanwhile."""
    with ExitStack() as up:
        callers = {}
        for index, kind in enumerate(kinds):
            server = up.enter_context(
                stack.demo_server(kind, port if index == 0 else free_port(), env))
            target = Target(server.url, env["REDIS_URL"])
            callers[kind] = (target, scenarios(target, provider, f"{kind}-load"))
            phases.warm(target, list(callers[kind][1].values()), rounds=10)
        names = list(next(iter(callers.values()))[1])
        figures: dict[str, dict] = {kind: {} for kind in kinds}
        for name in names:
            measured = phases.interleaved(
                {kind: (target, credentials[name])
                 for kind, (target, credentials) in callers.items()}, seconds, CONNECTIONS)
            for kind, result in measured.items():
                figures[kind][name] = result
    print("scenarios done", flush=True)
    return figures


def run_server(kind: str, port: int, env: dict[str, str], provider: stack.Provider,
               seconds: float) -> dict:
    """The outage and invalidation phases against one server kind."""
    with stack.demo_server(kind, port, env) as server:
        try:
            return run_phases(kind, server.url, env, provider, seconds)
        except Exception:
            print(f"{kind} log:\n{server.log_tail()}", file=sys.stderr)
            raise


def run_phases(kind: str, url: str, env: dict[str, str], provider: stack.Provider,
               seconds: float) -> dict:
    target = Target(url, env["REDIS_URL"])
    workers = target.worker_pids()
    gateway = gateway_credential(provider)
    phases.warm(target, [gateway], rounds=10)
    outage = {"stopped": phases.outage_stopped(target, gateway, seconds, CONNECTIONS,
                                               provider.stop)}
    provider.start()
    outage["frozen"] = phases.outage_frozen(target, gateway, seconds, CONNECTIONS,
                                            provider.freeze)
    print(f"{kind}: outage done", flush=True)
    bounds = invalidation(target, provider, kind, workers)
    return {"workers": len(workers), "outage": outage, "invalidation": bounds}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    found = results.new_results(args.seconds, args.short)
    port = free_port()
    with ExitStack() as running:
        env, provider = stack.start_backing(running, port)
        setup_django(env)
        figures = run_scenarios(args.servers, port, env, provider, args.seconds)
        for kind in args.servers:
            found["servers"][kind] = {"scenarios": figures[kind],
                                      **run_server(kind, port, env, provider, args.seconds)}
    results.write(found, args.output)
    print(results.summary(found))
    problems = results.failures(found)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"Wrote {args.output}")
    return 1 if problems else 0
