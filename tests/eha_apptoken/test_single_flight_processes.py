"""Single flight across processes: two servers on one PostgreSQL database."""

import pytest
import requests
from django.db import connection

from tests.eha_apptoken.extapp import SERVICE_TOKEN
from tests.harness.postgres import postgres_only
from tests.harness.servers import django_server
from tests.harness.threads import together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only("row locks across processes need PostgreSQL"),
]


def server_env(extapp) -> dict:
    database = connection.settings_dict
    return {"EXTERNAL_APPS": "ext", "EXT_URL": f"{extapp.url}/api", "EXT_TOKEN": SERVICE_TOKEN,
            "EHA_ALONE_PG_NAME": database["NAME"], "EHA_ALONE_PG_HOST": database["HOST"],
            "EHA_ALONE_PG_PORT": str(database["PORT"]), "EHA_ALONE_PG_USER": database["USER"],
            "EHA_ALONE_PG_PASSWORD": database["PASSWORD"] or ""}


def test_two_processes_hitting_a_revoked_token_obtain_one(extapp_server):
    extapp = extapp_server
    extapp.reset()
    env = server_env(extapp)
    first = django_server("tests.projects.apptoken_alone", env=env, migrate=False)
    second = django_server("tests.projects.apptoken_alone", env=env, migrate=False)
    with first, second:
        user = {"X-Test-User": "erin"}
        assert requests.get(f"{first.url}/ext/echo", headers=user, timeout=10).ok
        extapp.revoke("erin")
        extapp.reset(token_delay=0.5)
        servers = [first, second] * 4
        statuses = together(lambda server: requests.get(
            f"{server.url}/ext/echo", headers=user, timeout=30).status_code, servers)
    assert statuses == [200] * 8
    assert extapp.count("POST /token") == 1
