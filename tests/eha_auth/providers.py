"""The two providers of the conformance suite: a real Keycloak and the local example/idp.

Conformance tests take the ``provider`` fixture and run against each provider named in
EHA_TEST_PROVIDERS ("idp" by default; ``nox -s keycloak`` sets "keycloak"). Both answer
the same questions the same way; where the local provider cannot (forged tokens, a
provider that hangs), tests use ``idp`` directly and are not part of this suite.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from example.idp import seed

from tests.eha_auth.idp import Idp
from tests.harness import keycloak, logcheck
from tests.harness.keycloak import KeycloakServer

OIDC = "protocol/openid-connect"
CALLBACK = "/callback/"
LOGGED_OUT = "/logged-out/"
BACKCHANNEL = "/backchannel-logout/"
#: Keycloak 25+'s client attribute behind "Always use lightweight access token".
LIGHTWEIGHT = "client.use.lightweight.access.token.enabled"
KEY_PROVIDER = "org.keycloak.keys.KeyProvider"


class Provider:
    """What the conformance tests ask of a provider; subclasses answer for each kind."""

    name = ""
    #: KEYCLOAK_SERVER_URL: the URL the app calls, up to /realms.
    realms_url = ""
    #: KEYCLOAK_ISSUER_URL: the URL tokens carry, up to /realms.
    issuer_url = ""

    def __init__(self) -> None:
        self.http = requests.Session()

    def __repr__(self) -> str:
        return self.name

    def settings(self) -> dict:
        return {"KEYCLOAK_SERVER_URL": self.realms_url, "KEYCLOAK_ISSUER_URL": self.issuer_url,
                "KEYCLOAK_CLIENT_SECRET": seed.client_secret("alpha")}

    def issuer(self, realm: str) -> str:
        return f"{self.issuer_url}/{realm}"

    def token_url(self, realm: str) -> str:
        return f"{self.realms_url}/{realm}/{OIDC}/token"

    def tokens(self, realm: str = "alpha", username: str = "alice",
               client_id: str = seed.CLIENT_ID, scope: str = "openid profile email",
               password: str | None = None) -> dict:
        """Password grant, as a client of the realm would; the tokens are registered secrets."""
        data = {"grant_type": "password", "username": username, "client_id": client_id,
                "password": password or seed.password(realm, username), "scope": scope}
        if client_id in (seed.CLIENT_ID, "other"):
            data["client_secret"] = seed.client_secret(realm, client_id)
        answer = self.http.post(self.token_url(realm), data=data, timeout=20)
        answer.raise_for_status()
        tokens = answer.json()
        logcheck.register(*(str(value) for value in tokens.values()))
        return tokens

    def access_token(self, realm: str = "alpha", username: str = "alice", **kwargs) -> str:
        return self.tokens(realm, username, **kwargs)["access_token"]

    def browser_login(self, auth_url: str, realm: str = "alpha", username: str = "alice",
                      browser: requests.Session | None = None) -> str:
        """Sign in on the provider's own page, as a browser would; return our callback URL."""
        browser = browser or new_browser()
        answer = browser.get(auth_url, allow_redirects=False, timeout=20)
        while answer.is_redirect and not self.is_site_url(answer.headers["Location"]):
            answer = browser.get(urljoin(answer.url, answer.headers["Location"]),
                                 allow_redirects=False, timeout=20)
        if answer.is_redirect:  # already signed in at the provider: straight back
            return answer.headers["Location"]
        action, fields = login_form(answer.text)
        fields.update(username=username, password=seed.password(realm, username))
        answer = browser.post(urljoin(answer.url, action), data=fields, allow_redirects=False,
                              timeout=20)
        while answer.is_redirect and not self.is_site_url(answer.headers["Location"]):
            answer = browser.get(urljoin(answer.url, answer.headers["Location"]),
                                 allow_redirects=False, timeout=20)
        assert answer.is_redirect, f"no redirect back after signing in ({answer.status_code})"
        return answer.headers["Location"]

    def is_site_url(self, url: str) -> bool:
        return not url.startswith(("/", self.front_root, self.back_root))

    @property
    def front_root(self) -> str:
        raise NotImplementedError

    @property
    def back_root(self) -> str:
        raise NotImplementedError

    # -- Token shapes: audience, issuer, lightweight tokens ----------------------------

    def discovery(self, realm: str) -> dict:
        """The realm's discovery document, fetched on the back-end URL as the app does."""
        answer = self.http.get(f"{self.realms_url}/{realm}/.well-known/openid-configuration",
                               timeout=20)
        answer.raise_for_status()
        return answer.json()

    def logout_tokens(self, realm: str, tokens: dict, client_id: str = seed.CLIENT_ID) -> None:
        """End the provider session of ``tokens`` (a client's logout with its refresh token)."""
        data = {"client_id": client_id, "refresh_token": tokens["refresh_token"]}
        if client_id in (seed.CLIENT_ID, "other"):
            data["client_secret"] = seed.client_secret(realm, client_id)
        answer = self.http.post(f"{self.realms_url}/{realm}/{OIDC}/logout", data=data, timeout=20)
        assert answer.status_code == 204, answer.status_code

    def set_lightweight(self, realm: str, client_id: str, enabled: bool) -> None:
        """Turn the client's "Always use lightweight access token" on or off."""
        raise NotImplementedError

    # Administration: subclasses.

    def register_site(self, accounts_url: str) -> None:
        """Register exactly the callback, logged-out and back-channel URLs of a site."""
        raise NotImplementedError

    def sessions(self, realm: str, username: str) -> list[str]:
        """Return the ids of the user's live sessions at the provider."""
        raise NotImplementedError

    # Users and signing keys: administration as an operator does it.

    def create_user(self, realm: str, username: str, required_actions=()) -> str:
        """Create (or replace) a user with a full profile and password ``seed.password``.

        ``required_actions`` are Keycloak's names (UPDATE_PASSWORD, CONFIGURE_TOTP, ...).
        Return the new account's ``sub``.
        """
        raise NotImplementedError

    @staticmethod
    def profile(realm: str, username: str) -> dict:
        return {"first_name": username.title(), "last_name": "Tester",
                "email": f"{username}@{realm}.test"}

    def rename_user(self, realm: str, username: str, new_username: str) -> None:
        """Change the user's username; its ``sub`` stays."""
        raise NotImplementedError

    def delete_user(self, realm: str, username: str) -> None:
        raise NotImplementedError

    def rotate_key(self, realm: str) -> str:
        """Add a signing key that signs from now on (older keys stay published); return its kid."""
        raise NotImplementedError

    def deactivate_key(self, realm: str, kid: str) -> None:
        """Make a key passive: still published for verification, no longer signing."""
        raise NotImplementedError

    def disable_key(self, realm: str, kid: str) -> None:
        """Disable a key: no longer published, so its tokens cannot be verified."""
        raise NotImplementedError

    # -- sessions at the provider: logout, back-channel logout, refresh, browsers ---------

    def end_session(self, realm: str, session_id: str) -> None:
        """Sign one session out as an administrator does; the provider tells its clients."""
        raise NotImplementedError

    def drop_post_logout_redirect(self, accounts_url: str) -> None:
        """Unregister the site's logged-out URL (``register_site`` registers it again)."""
        raise NotImplementedError

    def set_backchannel_session_required(self, required: bool) -> None:
        """Whether logout tokens name the session (``sid``) besides the user (``sub``)."""
        raise NotImplementedError

    @contextmanager
    def single_use_refresh_tokens(self, realm: str) -> Iterator[None]:
        """Refresh tokens revoked once used and reuse refused ("Revoke Refresh Token")."""
        raise NotImplementedError
        yield

    @contextmanager
    def counting_refreshes(self, realm: str) -> Iterator[Callable[[], int]]:
        """Yield a function: how many refresh grants the provider has received since."""
        raise NotImplementedError
        yield

    def silent_login(self, auth_url: str, browser: requests.Session) -> str | None:
        """Return our callback URL when the provider signs ``browser`` in without asking
        (it still has a session there), None when it shows its login form."""
        answer = browser.get(auth_url, allow_redirects=False, timeout=20)
        while answer.is_redirect and not self.is_site_url(answer.headers["Location"]):
            answer = browser.get(urljoin(answer.url, answer.headers["Location"]),
                                 allow_redirects=False, timeout=20)
        if answer.is_redirect:
            return answer.headers["Location"]
        assert 'type="password"' in answer.text, "neither signed in nor a login form"
        return None

    def fill_login_form(self, page, realm: str = "alpha", username: str = "alice") -> None:
        """Sign in on the provider's login page shown in a Playwright ``page``."""
        raise NotImplementedError


class Browser(requests.Session):
    """An HTTP session that sends ``Secure`` cookies to loopback hosts over http.

    Browsers treat http://localhost as a secure context; Keycloak marks its login cookies
    ``Secure``, and requests would otherwise never send them back over http.
    """

    def prepare_request(self, request):
        for cookie in self.cookies:
            if cookie.domain.split(".")[0] in ("localhost", "127"):
                cookie.secure = False
        return super().prepare_request(request)


def new_browser() -> requests.Session:
    return Browser()


def login_form(page: str) -> tuple[str, dict]:
    """Return (action, hidden fields) of the login form on a provider's page."""
    form = re.search(r"<form[^>]*>.*?</form>", page, re.S | re.I)
    assert form, "no login form on the provider's page"
    action = re.search(r'action="([^"]*)"', form[0].split(">", 1)[0])
    action = html.unescape(action[1]) if action else ""
    fields = {html.unescape(name): html.unescape(value) for name, value in re.findall(
        r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form[0])}
    return action, fields


class LocalProvider(Provider):
    """example/idp, driven through its admin API (tests.eha_auth.idp)."""

    name = "idp"

    def __init__(self, idp: Idp) -> None:
        super().__init__()
        self.idp = idp
        self.realms_url = idp.realms_url
        self.issuer_url = idp.issuer_url

    @property
    def front_root(self) -> str:
        return self.idp.front_url

    @property
    def back_root(self) -> str:
        return self.idp.url

    def browser_login(self, auth_url: str, realm: str = "alpha", username: str = "alice",
                      browser: requests.Session | None = None) -> str:
        browser = browser or new_browser()
        answer = browser.get(auth_url, allow_redirects=False, timeout=20)
        if not self.is_site_url(answer.headers["Location"]):
            login_url = urljoin(answer.url, answer.headers["Location"])
            page = browser.get(login_url, timeout=20).text
            action, fields = login_form(page)
            fields.update(username=username, password=seed.password(realm, username),
                          next=parse_qs(urlsplit(login_url).query)["next"][0])
            answer = browser.post(urljoin(login_url, action), data=fields, timeout=20,
                                  allow_redirects=False)
            answer = browser.get(urljoin(login_url, answer.headers["Location"]),
                                 allow_redirects=False, timeout=20)
        return answer.headers["Location"]

    def register_site(self, accounts_url: str) -> None:
        for realm in seed.REALMS:
            self.idp.configure_client(realm, seed.CLIENT_ID, {
                "redirect_uris": accounts_url + CALLBACK,
                "post_logout_redirect_uris": accounts_url + LOGGED_OUT,
                "backchannel_logout_uri": accounts_url + BACKCHANNEL})

    def sessions(self, realm: str, username: str) -> list[str]:
        return self.idp.sessions(realm, username)

    # Users and signing keys.

    def create_user(self, realm: str, username: str, required_actions=()) -> str:
        logcheck.register(seed.password(realm, username))
        with contextlib.suppress(requests.HTTPError):  # no such user yet
            self.idp.delete_user(realm, username)
        return self.idp.create_user(realm, username, required_actions,
                                    **self.profile(realm, username))

    def rename_user(self, realm: str, username: str, new_username: str) -> None:
        self.idp.rename_user(realm, username, new_username)

    def delete_user(self, realm: str, username: str) -> None:
        self.idp.delete_user(realm, username)

    def rotate_key(self, realm: str) -> str:
        return self.idp.add_key(realm)

    def deactivate_key(self, realm: str, kid: str) -> None:
        self.idp.deactivate_key(realm, kid)

    def disable_key(self, realm: str, kid: str) -> None:
        self.idp.retire_key(realm, kid)

    # -- Token shapes: audience, issuer, lightweight tokens ----------------------------

    def set_lightweight(self, realm: str, client_id: str, enabled: bool) -> None:
        self.idp.configure_client(realm, client_id, {
            "attributes": {LIGHTWEIGHT: "true" if enabled else "false"}})

    # -- sessions at the provider: logout, back-channel logout, refresh, browsers ---------

    def end_session(self, realm: str, session_id: str) -> None:
        self.idp.end_session(realm, session_id)

    def drop_post_logout_redirect(self, accounts_url: str) -> None:
        for realm in seed.REALMS:
            self.idp.configure_client(realm, seed.CLIENT_ID, {
                "remove": {"post_logout_redirect_uris": accounts_url + LOGGED_OUT}})

    def set_backchannel_session_required(self, required: bool) -> None:
        for realm in seed.REALMS:
            self.idp.configure_client(realm, seed.CLIENT_ID,
                                      {"backchannel_logout_session_required": required})

    @contextmanager
    def single_use_refresh_tokens(self, realm: str) -> Iterator[None]:
        yield  # the local provider's refresh tokens are always single use

    @contextmanager
    def counting_refreshes(self, realm: str) -> Iterator[Callable[[], int]]:
        counted = f"/realms/{realm}/{OIDC}/token refresh_token"
        before = self.idp.requests_to(counted)
        yield lambda: self.idp.requests_to(counted) - before

    def fill_login_form(self, page, realm: str = "alpha", username: str = "alice") -> None:
        page.wait_for_url(re.compile(re.escape(self.issuer(realm)) + r"/login\?next="))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", seed.password(realm, username))
        page.click("button[type=submit]")


class KeycloakProvider(Provider):
    """A real Keycloak (tests.harness.keycloak), driven through its admin REST API."""

    name = "keycloak"

    def __init__(self, server: KeycloakServer) -> None:
        super().__init__()
        self.server = server
        self.realms_url = f"{server.base}/realms"
        self.issuer_url = f"{server.front_base}/realms"
        logcheck.register(server.admin_password)

    @property
    def front_root(self) -> str:
        return self.server.front_url

    @property
    def back_root(self) -> str:
        return self.server.url

    def admin(self, realm: str):
        return self.server.admin(realm)

    def client(self, realm: str, client_id: str = seed.CLIENT_ID) -> tuple[str, dict]:
        """Return (id, representation) of a client of ``realm``."""
        admin = self.admin(realm)
        internal = admin.get_client_id(client_id)
        return internal, admin.get_client(internal)

    def register_site(self, accounts_url: str) -> None:
        for realm in seed.REALMS:
            internal, client = self.client(realm)
            attributes = {**client.get("attributes", {}),
                          "post.logout.redirect.uris": accounts_url + LOGGED_OUT,
                          "backchannel.logout.url": accounts_url + BACKCHANNEL,
                          "backchannel.logout.session.required": "true"}
            self.admin(realm).update_client(internal, {
                **client, "redirectUris": [accounts_url + CALLBACK], "attributes": attributes})

    def user_id(self, realm: str, username: str) -> str:
        return self.admin(realm).get_user_id(username)

    def sessions(self, realm: str, username: str) -> list[str]:
        return [session["id"] for session in
                self.admin(realm).get_sessions(self.user_id(realm, username))]

    # Users and signing keys.

    def create_user(self, realm: str, username: str, required_actions=()) -> str:
        logcheck.register(seed.password(realm, username))
        admin, profile = self.admin(realm), self.profile(realm, username)
        existing = admin.get_user_id(username)
        if existing:
            admin.delete_user(existing)
        return keycloak.create_user(admin, seed, realm, username, profile["first_name"],
                                    profile["last_name"], profile["email"],
                                    required_actions=required_actions)

    def rename_user(self, realm: str, username: str, new_username: str) -> None:
        """Rename through the admin API, which needs the realm's "Edit username" on."""
        admin = self.admin(realm)
        allowed = admin.get_realm(realm).get("editUsernameAllowed", False)
        if not allowed:
            admin.update_realm(realm, {"editUsernameAllowed": True})
        try:
            admin.update_user(self.user_id(realm, username), {"username": new_username})
        finally:
            if not allowed:
                admin.update_realm(realm, {"editUsernameAllowed": False})

    def delete_user(self, realm: str, username: str) -> None:
        self.admin(realm).delete_user(self.user_id(realm, username))

    def rotate_key(self, realm: str) -> str:
        """Add an ``rsa-generated`` key provider above every other; return its key's kid."""
        admin = self.admin(realm)
        top = max(int(key.get("providerPriority", 0)) for key in self.signing_keys(realm))
        component = admin.create_component({
            "name": f"rsa-rotated-{top + 100}", "providerId": "rsa-generated",
            "providerType": KEY_PROVIDER, "parentId": admin.get_realm(realm)["id"],
            "config": {"priority": [str(top + 100)], "active": ["true"], "enabled": ["true"],
                       "keySize": ["2048"], "algorithm": ["RS256"]}})
        return next(key["kid"] for key in self.signing_keys(realm)
                    if key["providerId"] == component)

    def deactivate_key(self, realm: str, kid: str) -> None:
        self._configure_key(realm, kid, active=["false"])

    def disable_key(self, realm: str, kid: str) -> None:
        self._configure_key(realm, kid, enabled=["false"])

    def signing_keys(self, realm: str) -> list[dict]:
        """The realm's RS256 keys as the admin API lists them (kid, providerId, status...)."""
        return [key for key in self.admin(realm).get_keys()["keys"]
                if key.get("algorithm") == "RS256"]

    def _configure_key(self, realm: str, kid: str, **config) -> None:
        admin = self.admin(realm)
        provider_id = next(key["providerId"] for key in self.signing_keys(realm)
                           if key["kid"] == kid)
        component = admin.get_component(provider_id)
        admin.update_component(provider_id, {
            **component, "config": {**component.get("config", {}), **config}})

    # -- Token shapes: audience, issuer, lightweight tokens ----------------------------

    def set_lightweight(self, realm: str, client_id: str, enabled: bool) -> None:
        internal, client = self.client(realm, client_id)
        attributes = {**client.get("attributes", {}), LIGHTWEIGHT: "true" if enabled else "false"}
        self.admin(realm).update_client(internal, {**client, "attributes": attributes})

    # -- sessions at the provider: logout, back-channel logout, refresh, browsers ---------

    def end_session(self, realm: str, session_id: str) -> None:
        # The admin console's "Sign out" of one session: Keycloak sends each client of
        # that session a back-channel logout token.
        answer = self.admin(realm).connection.raw_delete(
            f"admin/realms/{realm}/sessions/{session_id}")
        assert answer.status_code == 204, answer.status_code

    def drop_post_logout_redirect(self, accounts_url: str) -> None:
        for realm in seed.REALMS:
            self.update_app_client(realm, {"post.logout.redirect.uris": ""})

    def set_backchannel_session_required(self, required: bool) -> None:
        for realm in seed.REALMS:
            self.update_app_client(realm, {
                "backchannel.logout.session.required": "true" if required else "false"})

    def update_app_client(self, realm: str, attributes: dict) -> None:
        internal, client = self.client(realm)
        self.admin(realm).update_client(internal, {
            **client, "attributes": {**client.get("attributes", {}), **attributes}})

    @contextmanager
    def single_use_refresh_tokens(self, realm: str) -> Iterator[None]:
        admin = self.admin(realm)
        before = admin.get_realm(realm)
        admin.update_realm(realm, {"revokeRefreshToken": True, "refreshTokenMaxReuse": 0})
        try:
            yield
        finally:
            admin.update_realm(realm, {
                "revokeRefreshToken": before.get("revokeRefreshToken", False),
                "refreshTokenMaxReuse": before.get("refreshTokenMaxReuse", 0)})

    @contextmanager
    def counting_refreshes(self, realm: str) -> Iterator[Callable[[], int]]:
        # Keycloak's login events: one per refresh grant, granted or refused.
        admin = self.admin(realm)
        kinds = ["REFRESH_TOKEN", "REFRESH_TOKEN_ERROR"]
        admin.update_realm(realm, {"eventsEnabled": True, "enabledEventTypes": kinds})
        admin.connection.raw_delete(f"admin/realms/{realm}/events")
        try:
            yield lambda: len(admin.get_events({"type": kinds, "max": 1000}))
        finally:
            admin.update_realm(realm, {"eventsEnabled": False, "enabledEventTypes": []})

    def fill_login_form(self, page, realm: str = "alpha", username: str = "alice") -> None:
        page.wait_for_url(re.compile(re.escape(self.issuer(realm)) + r"/protocol/openid-connect/"))
        page.fill("input#username", username)
        page.fill("input#password", seed.password(realm, username))
        page.click("#kc-login")  # a <button> in the keycloak.v2 theme
