"""Exit 0 when a URL answers below 400, else exit 1 with a one-line reason."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.core.management.base import BaseCommand, CommandError

TIMEOUT = (3.05, 10)  # (connect, read) seconds


class Command(BaseCommand):
    help = "Check that a URL is reachable (optionally with an API token)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("-u", "--url", required=True, help="The URL to request.")
        parser.add_argument("-t", "--token", help="Sent as 'Authorization: Token <token>'.")

    def handle(self, *args, url: str, token: str | None = None, **options) -> None:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise CommandError(f"{url!r} is not an http(s) URL.")
        headers = {"Authorization": f"Token {token}"} if token else {}
        try:
            response = requests.get(url, headers=headers, timeout=TIMEOUT)
        except requests.Timeout:
            raise CommandError(f"{url} did not answer within {TIMEOUT[1]}s.") from None
        except requests.RequestException as exc:
            raise CommandError(f"{url} is not reachable ({type(exc).__name__}).") from None
        if response.status_code >= 400:
            raise CommandError(f"{url} answered {response.status_code}.")
        self.stdout.write(f"{url} answered {response.status_code}.")
