"""/check-user-tokens, /check-tokens, /check-app/<name> and app_token_required."""

import pytest

from eha_apptoken.models import AppToken
from tests.eha_apptoken.extapp import SERVICE_TOKEN
from tests.harness.servers import free_port

pytestmark = pytest.mark.django_db


def add_down_app(settings):
    settings.EXTERNAL_APPS = {**settings.EXTERNAL_APPS,
                              "down": {"url": f"http://127.0.0.1:{free_port()}",
                                       "token": "down-token"}}


def test_tokens_page_needs_login(extapp, client):
    response = client.get("/check-user-tokens")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_tokens_page_shows_app_status_and_date_never_the_token(extapp, alice, user, settings):
    add_down_app(settings)
    response = alice.get("/check-user-tokens")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "eha_apptoken/tokens.html"
    rows = {row["app"]: row for row in response.context["app_tokens"]}
    assert rows["ext"]["status"] == "valid" and rows["ext"]["validated_at"]
    assert rows["down"]["status"] == "unreachable" and rows["down"]["validated_at"] is None
    html = response.content.decode()
    token = AppToken.objects.get(user=user, app="ext").token
    assert token not in html and SERVICE_TOKEN not in html and "down-token" not in html
    assert "ext" in html and "valid" in html and "unreachable" in html


def test_check_tokens_is_ok_when_every_token_works(extapp, alice):
    response = alice.get("/check-tokens")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_check_tokens_redirects_to_the_tokens_page_when_one_fails(extapp, alice, settings):
    add_down_app(settings)
    response = alice.get("/check-tokens")
    assert response.status_code == 302
    assert response["Location"].startswith("/check-user-tokens?next=")


def test_check_tokens_needs_login(extapp, client):
    response = client.get("/check-tokens")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_decorated_view_runs_with_tokens(extapp, alice):
    response = alice.get("/needs-tokens")
    assert response.content == b"tokens ok"
    assert extapp.count("POST /token") == 1


def test_decorated_view_redirects_without_tokens(extapp, alice, settings):
    settings.EXTERNAL_APPS["ext"]["token"] = "a-wrong-service-token"
    response = alice.get("/needs-tokens")
    assert response.status_code == 302
    assert response["Location"] == "/check-user-tokens?next=/needs-tokens"


def test_check_app_unknown_name_is_404(extapp, client):
    assert client.get("/check-app/nope").status_code == 404


def test_check_app_ok_without_details_for_anonymous(extapp, client):
    response = client.get("/check-app/ext")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert extapp.count("HEAD /token") == 1
    assert extapp.count("GET /token") == 1


def test_check_app_details_for_staff(extapp, client, staff):
    client.force_login(staff)
    response = client.get("/check-app/ext")
    assert response.json() == {"status": "ok", "details": {
        "reachable": True, "service_token_valid": True}}


def test_check_app_rejected_service_token_is_503(extapp, client, staff, settings):
    settings.EXTERNAL_APPS["ext"]["token"] = "wrong-service-token"
    client.force_login(staff)
    response = client.get("/check-app/ext")
    assert response.status_code == 503
    assert response.json()["details"] == {"reachable": True, "service_token_valid": False}
    assert b"wrong-service-token" not in response.content


def test_check_app_unreachable_is_503(extapp, client, staff, settings):
    add_down_app(settings)
    assert client.get("/check-app/down").json() == {"status": "failed"}
    client.force_login(staff)
    response = client.get("/check-app/down")
    assert response.status_code == 503
    assert response.json()["details"] == {"reachable": False, "service_token_valid": False,
                                          "error": "ConnectionError"}
    assert b"down-token" not in response.content
