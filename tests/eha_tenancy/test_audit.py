"""Realm refusals as audit events: a signal with its fields, and a log line."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.test import Client

from eha_tenancy import RealmForbidden, audit
from eha_tenancy.state import RequestRealm
from tests.eha_tenancy.test_middleware import basic

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusals(caplog):
    caplog.set_level(logging.INFO, logger="eha_tenancy.audit")
    sent: list[dict] = []

    def receive(sender, signal=None, **fields):
        sent.append(fields)

    audit.realm_refused.connect(receive)
    yield sent
    audit.realm_refused.disconnect(receive)


def test_non_member_refused(tenancy, world, refusals, caplog):
    client = Client()
    client.force_login(world.users.alice)
    assert client.get("/names", HTTP_EHA_REALM="b").status_code == 403
    assert refusals == [{"realm": "b", "reason": "not member", "user": "alice"}]
    (record,) = [r for r in caplog.records if r.name == "eha_tenancy.audit"]
    assert record.levelno == logging.WARNING
    assert (record.event, record.realm, record.reason, record.user) == (
        "realm refused", "b", "not member", "alice")
    assert record.getMessage() == "realm refused: realm='b' reason='not member' user='alice'"


def test_non_member_signed_in_by_the_view_refused_at_the_first_query(tenancy, world,
                                                                      refusals):
    # Basic authentication happens inside the DRF view, after the middleware ran.
    response = Client().get("/plain-api", HTTP_EHA_REALM="b", **basic(world.users.alice))
    assert response.status_code == 403
    assert refusals == [{"realm": "b", "reason": "not member", "user": "alice"}]


def test_a_refusal_at_the_query_is_reported_once_per_request(tenancy, world, refusals):
    request = SimpleNamespace(user=world.users.alice)
    realm = RequestRealm("b", request, lambda user, realm: False)
    for _ in range(3):
        with pytest.raises(RealmForbidden):
            realm.verified()
    assert refusals == [{"realm": "b", "reason": "not member", "user": "alice"}]


def test_malformed_realm_refused_as_unknown_and_quoted(tenancy, world, refusals, caplog):
    hostile = "a\nINFO forged line " + "x" * 100
    response = Client().get("/names", HTTP_EHA_REALM=hostile)
    assert response.status_code == 404
    assert refusals == [{"realm": hostile[:64], "reason": "unknown", "user": None}]
    (record,) = [r for r in caplog.records if r.name == "eha_tenancy.audit"]
    assert "\n" not in record.getMessage()  # repr: the value cannot start a log line


def test_members_are_not_reported(tenancy, world, refusals):
    client = Client()
    client.force_login(world.users.alice)
    assert client.get("/names", HTTP_EHA_REALM="a").status_code == 200
    assert refusals == []
