"""Realm refusals as audit events: a signal with its fields, and a log line."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from eha_tenancy import audit

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
