"""A project signing in with CAS, served as a real process for the CAS tests.

EHA_TEST_CAS_SERVER: the CAS server's base URL; EHA_TEST_APP_DB: its SQLite file.
"""

import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["EHA_TEST_APP_DB"]}}
ROOT_URLCONF = "tests.eha_auth.urls_more"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend",
                           "eha_auth.cas.backends.CASBackend"]
CAS_SERVER_URL = os.environ["EHA_TEST_CAS_SERVER"] + "/cas/"
CAS_VERSION = "3"
CAS_REALM_ATTRIBUTE = "realm"
CAS_GROUPS_ATTRIBUTE = "groups"
MULTITENANCY = True
LOGIN_URL = "/accounts/login/"
