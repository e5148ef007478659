"""Change users from a process of its own, as an administrator's process would.

    python -m tests.eha_auth.shared_change
    setup    -> JSON: users, a token, sessions (one line in, one line out)
    change   -> deactivate, remove from the realm, revoke, log out by back channel

Run with DJANGO_SETTINGS_MODULE=tests.projects.auth_shared (its EHA_AUTH_DB, EHA_REDIS_URL).
"""

import json
import sys
import time

import django


def session_cookie(user, backend: str, tokens: dict | None = None) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if tokens:
        session["eha_auth_oidc"] = tokens
    session.save()
    return session.session_key


def setup() -> dict:
    from django.contrib.auth.models import Group, User

    from eha_auth.models import ApiToken

    north = Group.objects.create(name="north")
    users = {name: User.objects.create_user(name) for name in ("ann", "bob", "cat", "dan")}
    for user in users.values():
        user.groups.add(north)
    _, key = ApiToken.create_for(users["cat"])
    model_backend = "eha_auth.accounts.backends.CachedModelBackend"
    tokens = {"realm": "north", "mode": "redirect", "access_token": "a", "refresh_token": None,
              "expires_at": time.time() + 3600, "sid": "sid-dan", "sub": "sub-dan",
              "logged_in_at": time.time()}
    return {"key": key,
            "ann": session_cookie(users["ann"], model_backend),
            "bob": session_cookie(users["bob"], model_backend),
            "dan": session_cookie(users["dan"], "eha_auth.keycloak.backends.KeycloakBackend",
                                  tokens)}


def change() -> dict:
    from django.contrib.auth.models import Group, User

    from eha_auth.models import ApiToken
    from eha_auth.oidc.sessions import end_sessions

    ann = User.objects.get(username="ann")
    ann.is_active = False
    ann.save()
    User.objects.get(username="bob").groups.remove(Group.objects.get(name="north"))
    ApiToken.objects.filter(user__username="cat").delete()
    end_sessions("north", "sid-dan", None)  # what a back-channel logout does
    return {}


if __name__ == "__main__":
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    steps = {"setup": setup, "change": change}
    for line in sys.stdin:  # started once, so a change takes milliseconds, not a start-up
        print(json.dumps(steps[line.strip()]()), flush=True)
