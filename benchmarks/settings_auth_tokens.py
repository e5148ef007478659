"""The demo site's settings for the eha_auth scenarios, with their own URLs."""

from benchmarks.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls_auth"
PROXY_SESSION_KEYS = {"bench": "YmVuY2gta2V5LW9mLTMyLWJ5dGVzLWZvci1hZXMyNTY"}
