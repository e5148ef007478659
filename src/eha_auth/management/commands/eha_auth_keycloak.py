"""Check each allowed realm's setup at the provider, and say in plain words what to fix."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from eha_auth.conf import app_settings
from eha_auth.oidc import jwks
from eha_auth.oidc.client import call_provider, provider_answer
from eha_auth.oidc.errors import InvalidToken, ProviderRejected, ProviderUnavailable
from eha_auth.oidc.realms import is_allowed_realm, issuer
from eha_auth.oidc.tokens import realm_of_token, verify_access_token

Finding = tuple[bool, str]  # (fine, what was seen or what to fix)


class Command(BaseCommand):
    help = ("Check each allowed realm (or --realm) at the provider: its discovery document's "
            "issuer, its signing keys and, with --token-file or --client/--username, whether "
            "a real access token is accepted as a gateway or Bearer token. Exit 1 on any "
            "problem.")

    def add_arguments(self, parser):
        parser.add_argument("-r", "--realm", action="append", dest="realms",
                            help="A realm to check (repeat); default: KEYCLOAK_REALMS.")
        parser.add_argument("--token-file",
                            help="A file holding an access token to check ('-': stdin).")
        parser.add_argument("--client", help="Get a token with the password grant from this "
                            "client of each realm (e.g. the front end's) and check it.")
        parser.add_argument("--client-secret", help="That client's secret, if confidential "
                            "(default: KEYCLOAK_CLIENT_SECRET for KEYCLOAK_CLIENT_ID).")
        parser.add_argument("--username", help="The user signing in with --client.")
        parser.add_argument("--password", help="The user's password (asked when missing).")

    def handle(self, *args, realms=None, **options):
        realms = realms or list(app_settings.KEYCLOAK_REALMS or [])
        if not realms:
            raise CommandError("No realm: pass --realm or set KEYCLOAK_REALMS.")
        if options["client"] and not options["username"]:
            raise CommandError("--client needs --username.")
        problems = 0
        for realm in realms:
            for fine, line in self.check_realm(realm, options):
                (self.stdout if fine else self.stderr).write(f"{realm}: {line}")
                problems += not fine
        if problems:
            raise CommandError(f"{problems} problem(s) found.")

    def check_realm(self, realm: str, options: dict) -> Iterator[Finding]:
        if not is_allowed_realm(realm):
            yield False, "not an allowed realm (KEYCLOAK_REALMS or KEYCLOAK_REALM_RESOLVER)"
            return
        yield self.check_issuer(realm)
        yield self.check_keys(realm)
        if options["token_file"]:
            yield from self.check_token_file(realm, options["token_file"])
        if options["client"]:
            yield self.check_client_token(realm, options)

    def check_issuer(self, realm: str) -> Finding:
        """Keycloak's ``iss`` is its front-end URL (``hostname``), not the URL we call."""
        expected = issuer(realm)
        try:
            known = provider_answer(call_provider(
                realm, "well-known", lambda client: client.well_known()), "issuer")
        except (ProviderUnavailable, ProviderRejected) as exc:
            return False, f"discovery document unreachable from KEYCLOAK_SERVER_URL ({exc})"
        if known["issuer"] == expected:
            return True, f"issuer {expected}"
        suffix = f"/{realm}"
        hint = (f": set KEYCLOAK_ISSUER_URL = {known['issuer'][:-len(suffix)]!r} (or Keycloak's "
                f"hostname to the URL the app expects)" if str(known["issuer"]).endswith(suffix)
                else "")
        return False, (f"the provider's issuer {known['issuer']!r} differs from the expected "
                       f"{expected!r} (KEYCLOAK_ISSUER_URL/{realm}){hint}")

    def check_keys(self, realm: str) -> Finding:
        try:
            count = len(jwks.fetch_keys(realm)["keys"])
        except (ProviderUnavailable, ProviderRejected) as exc:
            return False, f"signing keys unreachable ({exc})"
        if not count:
            return False, "the realm publishes no RSA or EC signing key"
        return True, f"{count} signing key(s)"

    def check_token_file(self, realm: str, path: str) -> Iterator[Finding]:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
        token = text.strip()
        try:
            if realm_of_token(token) != realm:
                return  # another realm's token: checked there
        except InvalidToken:
            yield False, "the token's issuer names no allowed realm"
            return
        yield self.check_token(realm, token)

    def check_client_token(self, realm: str, options: dict) -> Finding:
        client_id = options["client"]
        secret = options["client_secret"] or (
            app_settings.KEYCLOAK_CLIENT_SECRET
            if client_id == app_settings.KEYCLOAK_CLIENT_ID else None)
        password = options["password"] or getpass.getpass(f"Password of {options['username']}: ")
        try:
            tokens = provider_answer(call_provider(realm, "token", lambda client: client.token(
                options["username"], password, scope="openid"),
                as_client=(client_id, secret)), "access_token")
        except ProviderRejected:
            return False, (f"client {client_id!r} could not sign {options['username']!r} in: "
                           "wrong password or secret, or 'Direct access grants' is off")
        except ProviderUnavailable as exc:
            return False, f"token endpoint unreachable ({exc})"
        return self.check_token(realm, tokens["access_token"])

    def check_token(self, realm: str, token: str) -> Finding:
        """Verify as a gateway or Bearer token: the refusal says what to set up."""
        try:
            claims = verify_access_token(realm, token)
        except InvalidToken as exc:
            return False, f"token refused: {exc}"
        except ProviderUnavailable as exc:
            return False, f"token not checked: {exc}"
        return True, (f"a token of client {claims.get('azp')!r} is accepted as a gateway or "
                      "Bearer token")
