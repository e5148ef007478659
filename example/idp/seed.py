"""What `idp_setup` creates: realms, clients and users (tests and the demo read it too)."""

REALMS = ["alpha", "beta"]
CLIENT_ID = "eha"
PUBLIC_CLIENT_ID = "eha-public"


def client_secret(realm: str, client_id: str = CLIENT_ID) -> str:
    # One secret for the client in every realm, as deployments replicate one client config.
    return f"{client_id}-client-secret-7Qx"


def password(realm: str, username: str) -> str:
    return f"{username}-{realm}-Pw1"


# (client_id, confidential, extra audiences): "other" has its own audience, "rogue" puts
# ours in `aud` but is not an authorized party.
CLIENTS = [
    (CLIENT_ID, True, ""),
    (PUBLIC_CLIENT_ID, False, CLIENT_ID),
    ("other", True, ""),
    ("rogue", False, CLIENT_ID),
]
# realm -> [(username, first name, last name, email, roles)]
USERS = {
    "alpha": [("alice", "Alice", "Archer", "alice@alpha.test", []),
              ("bob", "Bob", "Baker", "bob@alpha.test", ["admin"])],
    "beta": [("alice", "Alicia", "Brown", "alice@beta.test", []),
             ("carol", "Carol", "Cook", "carol@beta.test", [])],
}
