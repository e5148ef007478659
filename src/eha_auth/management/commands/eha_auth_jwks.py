"""Fetch each realm's signing keys into the shared cache and show what is cached."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from eha_auth.conf import app_settings
from eha_auth.oidc import jwks
from eha_auth.oidc.errors import ProviderRejected, ProviderUnavailable
from eha_auth.oidc.realms import is_allowed_realm


class Command(BaseCommand):
    help = "Warm the signing-key cache of each allowed realm (or --realm), and show it."

    def add_arguments(self, parser):
        parser.add_argument("-r", "--realm", action="append", dest="realms",
                            help="A realm to warm (repeat); default: KEYCLOAK_REALMS.")
        parser.add_argument("--show", action="store_true",
                            help="Only show the cache, fetch nothing.")

    def handle(self, *args, realms=None, show=False, **options):
        realms = realms or list(app_settings.KEYCLOAK_REALMS or [])
        if not realms:
            raise CommandError("No realm: pass --realm or set KEYCLOAK_REALMS.")
        failed = []
        for realm in realms:
            if not is_allowed_realm(realm):
                failed.append(realm)
                self.stderr.write(f"{realm}: not an allowed realm")
                continue
            if not show:
                try:
                    jwks.fetch_keys(realm)
                except (ProviderUnavailable, ProviderRejected) as exc:
                    failed.append(realm)
                    self.stderr.write(f"{realm}: fetch failed ({exc})")
            self.stdout.write(self.describe(realm))
        if failed:
            raise CommandError(f"Could not warm: {', '.join(failed)}")

    def describe(self, realm: str) -> str:
        entry = jwks.cached_entry(realm)
        if entry is None:
            return f"{realm}: no keys cached"
        kids = ", ".join(str(key.get("kid")) for key in entry["keys"]) or "none"
        age = time.time() - entry["fetched_at"]
        return f"{realm}: {len(entry['keys'])} key(s) [{kids}], fetched {age:.0f}s ago"
