"""Keycloak login (behind the scenes or redirect), logout, and back-channel logout."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from urllib.parse import urlencode

from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .. import audit
from ..accounts.realms import set_session_realm
from ..conf import app_settings
from ..oidc import sessions
from ..oidc.client import call_provider, provider_answer
from ..oidc.errors import (
    AccountNotReady,
    InvalidToken,
    ProviderRejected,
    ProviderUnavailable,
    RealmNotFound,
)
from ..oidc.tokens import verify_logout_token
from ..realms import REALM_SESSION_KEY, shared_cache
from .backends import BACKEND_PATH
from .forms import PasswordLoginForm, RealmForm

logger = logging.getLogger("eha_auth.keycloak")
FLOWS_KEY = "eha_auth_flows"
FLOW_SECONDS = 600
MAX_FLOWS = 5
UNAVAILABLE = "The sign-in service cannot be reached right now. Please try again shortly."
REALM_UNAVAILABLE = ("Signing in to %(realm)s is not possible right now: this site is not set "
                     "up for it at the sign-in service. Please tell the site's administrators.")
NEEDS_ATTENTION = ("Your account needs attention before you can sign in: sign in on "
                   "%(realm)s's own sign-in page to complete it.")


def provider_failure(exc: Exception, realm: str) -> tuple[int, str]:
    """Return the status and message of a login the provider could not complete."""
    if isinstance(exc, AccountNotReady):
        return 400, _(NEEDS_ATTENTION) % {"realm": realm}
    if isinstance(exc, RealmNotFound | ProviderRejected):
        return 503, _(REALM_UNAVAILABLE) % {"realm": realm}
    return 503, _(UNAVAILABLE)


def safe_next(request, default: str | None = None) -> str:
    """Return the ``next`` parameter when it points to this host, else the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(default or app_settings.LOGIN_REDIRECT_URL)


def initial_realm(request) -> str | None:
    return (request.GET.get("realm") or getattr(request, "realm", None)
            or request.session.get(REALM_SESSION_KEY))


def complete_login(request, user, next_url: str, mode: str) -> HttpResponseRedirect:
    """Log ``user`` in, keep the provider tokens in the session, go to ``next_url``."""
    realm, tokens, claims = user.oidc_tokens
    login(request, user, backend=BACKEND_PATH)
    sessions.store_tokens(request, realm, tokens, claims, mode)
    set_session_realm(request.session, realm)
    return HttpResponseRedirect(next_url)


@method_decorator([sensitive_post_parameters("password"), never_cache], name="dispatch")
class LoginView(View):
    """Sign in through the realm's provider: our form (behind the scenes) or its page."""

    behind_scenes: bool | None = None  # None: KEYCLOAK_BEHIND_SCENES decides
    template_name = "eha_auth/login.html"
    realm_template_name = "eha_auth/realm.html"

    def uses_password_form(self) -> bool:
        if self.behind_scenes is None:
            return app_settings.KEYCLOAK_BEHIND_SCENES
        return self.behind_scenes

    def get_form_class(self):
        return PasswordLoginForm if self.uses_password_form() else RealmForm

    def get(self, request, *args, **kwargs):
        form = self.get_form_class()(initial={"realm": initial_realm(request)})
        return self.render(form)

    def post(self, request, *args, **kwargs):
        form = self.get_form_class()(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        realm = form.cleaned_data["realm"]
        try:
            if self.uses_password_form():
                return self.password_login(form, realm)
            return self.redirect_to_provider(realm)
        except (ProviderUnavailable, ProviderRejected) as exc:
            status, message = provider_failure(exc, realm)
            return self.render(form, status=status, error=message)

    def password_login(self, form, realm: str) -> HttpResponse:
        user = authenticate(self.request, realm=realm,
                            keycloak_username=form.cleaned_data["username"],
                            keycloak_password=form.cleaned_data["password"])
        if user is None:
            return self.render(form, status=400, error=_("Wrong username or password."))
        return complete_login(self.request, user, safe_next(self.request), "password")

    def redirect_to_provider(self, realm: str) -> HttpResponseRedirect:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect_uri = self.request.build_absolute_uri(reverse("eha_auth:callback"))
        url = call_provider(realm, "authorization URL", lambda client: client.auth_url(
            redirect_uri, scope=app_settings.KEYCLOAK_SCOPE, state=state, nonce=nonce,
            code_challenge=challenge, code_challenge_method="S256"))
        flows = {key: flow for key, flow in self.request.session.get(FLOWS_KEY, {}).items()
                 if flow["created"] > time.time() - FLOW_SECONDS}
        flows = dict(list(flows.items())[-(MAX_FLOWS - 1):])
        flows[state] = {"realm": realm, "nonce": nonce, "verifier": verifier,
                        "redirect_uri": redirect_uri, "next": safe_next(self.request),
                        "created": time.time()}
        self.request.session[FLOWS_KEY] = flows
        return HttpResponseRedirect(url)

    def render(self, form, status: int = 200, error: str | None = None) -> HttpResponse:
        template = self.template_name if self.uses_password_form() else self.realm_template_name
        return render(self.request, template, {
            "form": form, "error": error, "next": safe_next(self.request, default=""),
        }, status=status)


@never_cache
def callback(request):
    """The provider sends the browser back here with ``code`` and ``state``."""
    flows = request.session.get(FLOWS_KEY, {})
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOWS_KEY] = flows
    if flow is None or flow["created"] < time.time() - FLOW_SECONDS:
        return _login_failed(request, _("This sign-in attempt expired. Please sign in again."))
    if request.GET.get("error") or not request.GET.get("code"):
        return _login_failed(request, _("The sign-in was not completed."))
    try:
        user = authenticate(request, realm=flow["realm"], keycloak_code=request.GET["code"],
                            code_verifier=flow["verifier"], redirect_uri=flow["redirect_uri"],
                            nonce=flow["nonce"])
    except (ProviderUnavailable, ProviderRejected) as exc:
        status, message = provider_failure(exc, flow["realm"])
        return _login_failed(request, message, status=status)
    if user is None:
        return _login_failed(request, _("The sign-in could not be verified."))
    return complete_login(request, user, flow["next"], "redirect")


def _login_failed(request, message: str, status: int = 400) -> HttpResponse:
    return render(request, "eha_auth/realm.html", {
        "form": RealmForm(initial={"realm": initial_realm(request)}), "error": message,
        "next": "", "action": reverse("eha_auth:login")}, status=status)


@method_decorator(never_cache, name="dispatch")
class LogoutView(View):
    """GET asks to confirm; POST logs out here and at the provider."""

    template_name = "eha_auth/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(reverse("eha_auth:logged-out"))
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        tokens = sessions.session_tokens(request)
        logout(request)
        done = reverse("eha_auth:logged-out")
        if not tokens:
            return HttpResponseRedirect(done)
        # End the provider session from here first, with the refresh token: the browser's
        # visit to the provider may stop on an error page (a post-logout redirect URI it
        # does not know), and that must cost the way back, not the logout.
        ended = sessions.revoke(tokens)
        if tokens.get("id_token") and tokens.get("mode") == "redirect":
            # The browser holds the provider's cookies too: RP-initiated logout clears
            # them, and ends the provider session if the call above could not.
            end_session = self.end_session_url(tokens, request.build_absolute_uri(done))
            if end_session:
                return HttpResponseRedirect(end_session)
        return HttpResponseRedirect(done if ended else f"{done}?provider=failed")

    def end_session_url(self, tokens: dict, return_to: str) -> str | None:
        """RP-initiated logout (OIDC RP-Initiated Logout 1.0 section 2) with id_token_hint."""
        try:
            known = provider_answer(call_provider(
                tokens["realm"], "well-known", lambda client: client.well_known()),
                "end_session_endpoint")
        except (ProviderUnavailable, ProviderRejected):
            return None
        query = urlencode({"id_token_hint": tokens["id_token"], "client_id":
                           app_settings.KEYCLOAK_CLIENT_ID,
                           "post_logout_redirect_uri": return_to})
        return f"{known['end_session_endpoint']}?{query}"


def logged_out(request):
    return render(request, "eha_auth/logged_out.html",
                  {"provider_failed": request.GET.get("provider") == "failed"})


@csrf_exempt
@require_POST
def backchannel_logout(request):
    """OIDC Back-Channel Logout 1.0: end the sessions of the token's ``sid`` or ``sub``."""
    try:
        realm, claims = verify_logout_token(request.POST.get("logout_token", ""))
    except InvalidToken as exc:
        logger.info("back-channel logout refused: %s", exc)
        return HttpResponseBadRequest()
    except ProviderUnavailable:
        return HttpResponse(status=503)
    if not _first_use(claims):
        logger.info("back-channel logout token replayed")
        return HttpResponseBadRequest()
    ended = sessions.end_sessions(realm, claims.get("sid"), claims.get("sub"))
    logger.info("back-channel logout in realm %s ended %d sessions", realm, ended)
    audit.backchannel(realm, ended)
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response


def _first_use(claims: dict) -> bool:
    """Return False when this token's ``jti`` was seen already (section 2.6, step 7)."""
    digest = hashlib.sha256(f"{claims['iss']}\x00{claims['jti']}".encode()).hexdigest()
    return shared_cache().add(f"eha_auth:logout-jti:{digest}", 1, 24 * 3600)
