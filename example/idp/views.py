"""Keycloak's endpoints for one realm, plus a small admin API the tests drive."""

from __future__ import annotations

import functools
import json
import logging
import secrets
import time
import uuid

import requests
from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.contrib.sessions.models import Session
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from jwcrypto import jwt
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.views import AuthorizationView

from . import seed
from .models import Application, Realm, RealmKey, RequiredAction
from .realms import (
    SSO_SESSION_KEY,
    backchannel_url,
    current_realm,
    current_sso_session,
    delay,
    in_realm,
    issuer,
    public_username,
    requests_lock,
    requests_seen,
    stored_username,
)
from .tokens import sign, subject_of, user_claims

logger = logging.getLogger(__name__)
OIDC = "protocol/openid-connect"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def realm_object() -> Realm:
    return Realm.objects.get(name=current_realm.get())


def discovery(request, realm):
    # As Keycloak with a hostname: the browser's endpoints on the front-end URL, the
    # service-to-service ones on the URL this request came to.
    front, back = issuer(), backchannel_url()
    return JsonResponse({
        "issuer": front,
        "authorization_endpoint": f"{front}/{OIDC}/auth",
        "token_endpoint": f"{back}/{OIDC}/token",
        "userinfo_endpoint": f"{back}/{OIDC}/userinfo",
        "jwks_uri": f"{back}/{OIDC}/certs",
        "end_session_endpoint": f"{front}/{OIDC}/logout",
        "introspection_endpoint": f"{back}/{OIDC}/token/introspect",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "password", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    })


def realm_info(request, realm):
    key = realm_object().signing_key()
    return JsonResponse({"realm": realm, "public_key": key.public_key_base64(),
                         "token-service": f"{issuer()}/{OIDC}"})


def certs(request, realm):
    return JsonResponse({"keys": [key.public_jwk() for key in realm_object().published_keys()]})


class RealmAuthorizationView(AuthorizationView):
    """The authorization endpoint: sign in to this realm first, then consent is implied."""

    def get_login_url(self):
        return f"/realms/{current_realm.get()}/login"

    def dispatch(self, request, *args, **kwargs):
        prefix = f"{current_realm.get()}:"
        if request.user.is_authenticated and not request.user.username.startswith(prefix):
            django_logout(request)  # signed in to another realm
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        # The browser's sign-in is one provider session: every code issued to it carries
        # its id, as Keycloak's codes carry the user session's.
        sid = request.session.setdefault(SSO_SESSION_KEY, str(uuid.uuid4()))
        token = current_sso_session.set(sid)
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            current_sso_session.reset(token)


class RealmLoginView(LoginView):
    template_name = "idp/login.html"


def _client(request, client_id: str) -> Application | None:
    """Return the realm's client when the request authenticates as it (secret if confidential)."""
    client = Application.objects.filter(client_id=client_id).first()
    if client is None:
        return None
    if client.client_type == Application.CLIENT_PUBLIC:
        return client
    secret = request.POST.get("client_secret", "")
    from django.contrib.auth.hashers import check_password

    return client if secret and check_password(secret, client.client_secret) else None


def _checksum(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@csrf_exempt
def logout(request, realm):
    """POST client_id + refresh_token: end its session (204). GET: RP-initiated logout."""
    if request.method == "POST":
        client = _client(request, request.POST.get("client_id", ""))
        token = request.POST.get("refresh_token", "")
        refresh = get_refresh_token_model().objects.filter(
            token_checksum=_checksum(token), application=client, revoked__isnull=True).first()
        if client is None or refresh is None:
            return JsonResponse({"error": "invalid_grant"}, status=400)
        end_provider_session(token.split(".", 1)[0])
        return HttpResponse(status=204)
    return _end_session(request)


def _end_session(request):
    """Keycloak's order: an unknown post_logout_redirect_uri stops here, session kept."""
    hint = request.GET.get("id_token_hint", "")
    claims = (_verified_claims(hint) if hint else None) or {}
    redirect_to = request.GET.get("post_logout_redirect_uri", "")
    client = Application.objects.filter(
        client_id=claims.get("azp") or request.GET.get("client_id", "")).first()
    if redirect_to and not (client and client.post_logout_redirect_uri_allowed(redirect_to)):
        return render(request, "idp/error.html", {"message": "Invalid redirect uri"},
                      status=400)
    sid = request.session.get(SSO_SESSION_KEY) or claims.get("sid")
    if sid:
        end_provider_session(sid)
    django_logout(request)
    if redirect_to:
        return HttpResponseRedirect(redirect_to)
    return render(request, "idp/logged_out.html", {"realm": current_realm.get()})


def _verified_claims(token: str) -> dict | None:
    for key in realm_object().published_keys():
        try:
            parsed = jwt.JWT(jwt=token, key=key.jwk(), check_claims=False)
            return json.loads(parsed.claims)
        except Exception:
            continue
    return None


def end_provider_session(sid: str) -> None:
    """End provider session ``sid`` everywhere, as Keycloak ends a user session.

    Its refresh tokens (every client's) are revoked, the browser signed in with it is
    signed out, and each client that had a part in it and a back-channel logout URL is
    told.
    """
    live = list(get_refresh_token_model().objects.filter(
        token__startswith=f"{sid}.", application__realm__name=current_realm.get(),
        revoked__isnull=True).select_related("application", "user"))
    for refresh in live:
        refresh.revoke()
    _end_browser_sessions(sid)
    clients = {refresh.application_id: refresh for refresh in live}.values()
    for refresh in clients:
        _backchannel_logout(refresh.application, sid, refresh.user)


def _end_browser_sessions(sid: str) -> None:
    for stored in Session.objects.filter(expire_date__gt=timezone.now()):
        if stored.get_decoded().get(SSO_SESSION_KEY) == sid:
            stored.delete()


def _backchannel_logout(client, sid, user):
    """Send the client an OIDC Back-Channel Logout token shaped as Keycloak's."""
    if not client.backchannel_logout_uri:
        return
    now = int(time.time())
    claims = {"iat": now, "exp": now + 120, "jti": str(uuid.uuid4()), "iss": issuer(),
              "aud": client.client_id, "sub": subject_of(user), "typ": "Logout",
              "events": {BACKCHANNEL_EVENT: {}}}
    if client.backchannel_logout_session_required:
        claims["sid"] = sid
    token = sign(realm_object(), claims, {"typ": "logout+jwt"})
    try:
        requests.post(client.backchannel_logout_uri, data={"logout_token": token},
                      timeout=(2, 5))
    except requests.RequestException as exc:
        logger.warning("back-channel logout to %s failed: %s", client.client_id,
                       type(exc).__name__)


@csrf_exempt
@require_POST
def introspect(request, realm):
    """RFC 7662, as Keycloak answers: a confidential client of the realm asks; the answer
    holds the token's full claims (a lightweight token's too), ``client_id``, ``username``."""
    client = _client(request, request.POST.get("client_id", ""))
    if client is None or client.client_type != Application.CLIENT_CONFIDENTIAL:
        return JsonResponse({"error": "invalid_request",
                             "error_description": "Authentication failed."}, status=401)
    token = get_access_token_model().objects.filter(
        token_checksum=_checksum(request.POST.get("token", ""))).first()
    if token is None or token.is_expired() or token.application.realm.name != realm:
        return JsonResponse({"active": False})
    claims = _verified_claims(token.token) or {}
    return JsonResponse({**claims, **user_claims(token.application, token.user),
                         "client_id": token.application.client_id,
                         "username": public_username(token.user.username),
                         "token_type": "Bearer", "active": True})


# -- admin API (X-Idp-Admin header) -------------------------------------------------------


def admin_only(view):
    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        given = request.headers.get("X-Idp-Admin", "")
        if not secrets.compare_digest(given, settings.IDP_ADMIN_TOKEN):
            return JsonResponse({"error": "forbidden"}, status=403)
        return view(request, *args, **kwargs)
    return wrapped


def _body(request) -> dict:
    return json.loads(request.body or b"{}")


@admin_only
@require_POST
def add_key(request, realm):
    """Add a signing key: it signs from now on, older keys stay published."""
    key = RealmKey.generate(get_object_or_404(Realm, name=realm))
    return JsonResponse({"kid": key.kid}, status=201)


@admin_only
@require_POST
def retire_key(request, realm, kid):
    """Stop publishing (and signing with) a key."""
    updated = RealmKey.objects.filter(realm__name=realm, kid=kid).update(retired=True)
    return JsonResponse({"retired": updated}, status=200 if updated else 404)


@admin_only
@require_POST
def passive_key(request, realm, kid):
    """Keep a key published for verification but stop signing with it (Keycloak: passive)."""
    updated = RealmKey.objects.filter(realm__name=realm, kid=kid).update(active=False)
    return JsonResponse({"passive": updated}, status=200 if updated else 404)


@admin_only
@require_POST
def sign_claims(request, realm):
    """Sign any claims and header with the realm's key (tests forge tokens with real keys)."""
    body = _body(request)
    realm_row = get_object_or_404(Realm, name=realm)
    key = None
    if body.get("kid"):
        key = get_object_or_404(RealmKey, realm=realm_row, kid=body["kid"])
    return JsonResponse({"token": sign(realm_row, body.get("claims", {}),
                                       body.get("header"), key=key)})


@admin_only
def keys(request, realm):
    realm_row = get_object_or_404(Realm, name=realm)
    return JsonResponse({"keys": [{"kid": k.kid, "retired": k.retired, "active": k.active}
                                  for k in realm_row.keys.order_by("pk")],
                         "signing": realm_row.signing_key().kid})


@admin_only
@require_POST
def configure_client(request, realm, client_id):
    """Set a client's back-channel logout and attributes; add or ``remove`` (redirect) URIs."""
    client = get_object_or_404(Application._base_manager, realm__name=realm, client_id=client_id)
    body = _body(request)
    for field in ("backchannel_logout_uri", "backchannel_logout_session_required"):
        if field in body:
            setattr(client, field, body[field])
    client.attributes = {**client.attributes, **body.get("attributes", {})}
    removed = body.get("remove", {})
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        added = body.get(field, "").split()
        kept = [uri for uri in getattr(client, field).split()
                if uri not in removed.get(field, "").split()]
        setattr(client, field, " ".join(dict.fromkeys([*kept, *added])))
    client.save()
    return JsonResponse({"updated": 1})


@admin_only
@require_POST
def create_user(request, realm):
    """Create a user of the realm, with its pending required actions; return its id.

    Body: username, password (``seed.password`` unless given), first_name, last_name,
    email, required_actions (Keycloak's names: UPDATE_PASSWORD, CONFIGURE_TOTP,
    VERIFY_PROFILE, ...). A user of the same name answers 409, as Keycloak does.
    """
    body = _body(request)
    get_object_or_404(Realm, name=realm)
    username = stored_username(realm, body["username"])
    if User.objects.filter(username=username).exists():
        return JsonResponse({"error": "User exists with same username"}, status=409)
    user = User(username=username, first_name=body.get("first_name", ""),
                last_name=body.get("last_name", ""), email=body.get("email", ""))
    user.set_password(body.get("password") or seed.password(realm, body["username"]))
    user.save()
    RequiredAction.objects.bulk_create(
        RequiredAction(user=user, name=name) for name in body.get("required_actions", []))
    return JsonResponse({"id": subject_of(user)}, status=201)


@admin_only
@require_http_methods(["POST", "DELETE"])
def change_user(request, realm, username):
    """POST {"username"}: rename the user (its id stays); DELETE: delete it."""
    user = get_object_or_404(User, username=stored_username(realm, username))
    if request.method == "DELETE":
        user.delete()
        return HttpResponse(status=204)
    renamed = stored_username(realm, _body(request)["username"])
    if User.objects.filter(username=renamed).exclude(pk=user.pk).exists():
        return JsonResponse({"error": "User exists with same username"}, status=409)
    user.username = renamed
    user.save(update_fields=["username"])
    return JsonResponse({"id": subject_of(user)})


@admin_only
def user_sessions(request, realm, username):
    """The user's live provider sessions (the ``sid`` of each unrevoked refresh token)."""
    refresh_tokens = get_refresh_token_model().objects.filter(
        application__realm__name=realm, user__username=stored_username(realm, username),
        revoked__isnull=True)
    sids = {token.token.split(".", 1)[0] for token in refresh_tokens if "." in token.token}
    return JsonResponse({"sessions": sorted(sids)})


@admin_only
@require_http_methods(["DELETE"])
def delete_session(request, realm, sid):
    """Sign one provider session out, as Keycloak's DELETE /admin/realms/{realm}/sessions/{id}."""
    get_object_or_404(Realm, name=realm)
    with in_realm(request, realm):
        end_provider_session(sid)
    return HttpResponse(status=204)


@admin_only
def stats(request):
    """GET: requests received per path; POST: reset the counts."""
    with requests_lock:
        if request.method == "POST":
            requests_seen.clear()
        return JsonResponse(dict(requests_seen))


@admin_only
@require_POST
def set_delay(request):
    delay["seconds"] = float(_body(request).get("seconds", 0))
    return JsonResponse(delay)
