"""What the provider answers to the password grant, as Keycloak answers it."""

from __future__ import annotations

from example.idp import seed


def password_grant(provider, username: str, password: str):
    return provider.http.post(provider.token_url("alpha"), timeout=20, data={
        "grant_type": "password", "client_id": seed.CLIENT_ID, "scope": "openid",
        "client_secret": seed.client_secret("alpha"), "username": username,
        "password": password})


def test_token_endpoint_refuses_a_pending_required_action_as_keycloak_does(provider):
    provider.create_user("alpha", "dave", required_actions=["UPDATE_PASSWORD"])
    wrong = password_grant(provider, "dave", "not-daves-password")
    assert wrong.status_code == 401 and "WWW-Authenticate" not in wrong.headers
    assert wrong.json() == {"error": "invalid_grant",
                            "error_description": "Invalid user credentials"}
    right = password_grant(provider, "dave", seed.password("alpha", "dave"))
    assert right.status_code == 400
    assert right.json() == {"error": "invalid_grant",
                            "error_description": "Account is not fully set up"}


def test_verify_profile_of_a_complete_profile_does_not_stop_the_password_grant(provider):
    provider.create_user("alpha", "erin", required_actions=["VERIFY_PROFILE"])
    assert provider.tokens("alpha", "erin")["access_token"]
