"""Encrypt or decrypt an upstream proxy session payload, for debugging. Never prints keys."""

import json
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from eha_auth.proxy.crypto import SessionRejected, decode_session, encrypt_payload, new_key


class Command(BaseCommand):
    help = ("encrypt PAYLOAD_JSON | decrypt TOKEN | newkey: work with proxy sessions using "
            "PROXY_SESSION_KEYS (read '-' for standard input).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["encrypt", "decrypt", "newkey"])
        parser.add_argument("value", nargs="?", default="-")
        parser.add_argument("--key-id", help="encrypt with this key id (default: the write key)")
        parser.add_argument("--max-age", type=int, help="seconds until the session expires")

    def handle(self, *args, action, value, **options):
        if action == "newkey":
            # A new key for the operator to store; it is no key in use.
            self.stdout.write(new_key())
            return
        text = sys.stdin.read().strip() if value == "-" else value
        try:
            if action == "encrypt":
                self.stdout.write(self.encrypt(text, options))
            else:
                self.stdout.write(json.dumps(decode_session(text), indent=2, sort_keys=True))
        except SessionRejected as exc:
            raise CommandError(f"Session rejected: {exc}.") from exc
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def encrypt(self, text: str, options) -> str:
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise CommandError("The payload is not JSON.") from exc
        if not isinstance(payload, dict):
            raise CommandError("The payload must be a JSON object.")
        return encrypt_payload(payload, key_id=options["key_id"], max_age=options["max_age"])
