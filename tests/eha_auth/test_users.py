import pytest

from eha_auth.users import display_username, realm_username, split_username


@pytest.mark.parametrize("realm,name,stored", [
    ("eha", "alice", "eha__alice"),
    ("eha", "eha__alice", "eha__alice"),  # already prefixed: not twice
    (None, "alice", "alice"),
    ("", "alice", "alice"),
    ("eha", "other__alice", "eha__other__alice"),
])
def test_realm_username(realm, name, stored):
    assert realm_username(realm, name) == stored


@pytest.mark.parametrize("stored,expected", [
    ("eha__alice", ("eha", "alice")),
    ("alice", (None, "alice")),
    ("__alice", (None, "__alice")),
    ("eha__", (None, "eha__")),
    ("eha__other__alice", ("eha", "other__alice")),
])
def test_split_username(stored, expected):
    assert split_username(stored) == expected


def test_display_username_strips_only_the_given_realm():
    assert display_username("eha__alice") == "alice"
    assert display_username("eha__alice", "eha") == "alice"
    assert display_username("eha__alice", "other") == "eha__alice"
    assert display_username("alice") == "alice"
