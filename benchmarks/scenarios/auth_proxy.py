"""proxy-session-decode-vs-legacy: decode a 2 KB proxy session, new format vs legacy.

The subject is the AES-256-GCM format (authenticated, with key id and ``exp``);
the baseline is the legacy AES-256-CBC format decoded by the deployutils package
itself when it is installed (``pip install djaodjin-deployutils``), else by the
same algorithm here. Both include parsing the JSON payload.
"""

import json
import time

from eha_auth.proxy import crypto

SETTINGS = "benchmarks.settings_auth_tokens"
PASSPHRASE = "legacy-bench-passphrase"


def payload_of_2kb() -> dict:
    roles = {"manager": [{"slug": f"account-{i}", "printable_name": f"Account {i}",
                          "subscriptions": [{"plan": "basic", "ends_at": "2030-01-01"}]}
                         for i in range(17)]}
    payload = {"username": "alice", "email": "alice@example.org", "full_name": "Alice Smith",
               "site": {"slug": "acme"}, "last_visited": "2026-01-01T00:00:00",
               "roles": roles, "exp": int(time.time()) + 3600}
    size = len(json.dumps(payload))
    assert 1900 <= size <= 2200, size
    return payload


def legacy_decoder():
    try:
        from deployutils.crypt import decrypt
    except ImportError:
        return "eha_auth (same algorithm)", lambda token: crypto.decrypt_legacy(token, PASSPHRASE)
    return "deployutils", lambda token: json.loads(decrypt(token, PASSPHRASE))


def scenarios(bench) -> None:
    payload = payload_of_2kb()
    token = crypto.encrypt_payload(payload)
    legacy = crypto.encrypt_legacy(payload, PASSPHRASE)
    decoder_name, decode_legacy = legacy_decoder()
    assert crypto.decode_session(token) == payload
    assert decode_legacy(legacy) == payload
    bench.compare("proxy-session-decode-vs-legacy",
                  subject=lambda: crypto.decode_session(token),
                  baseline=lambda: decode_legacy(legacy), target=1.0,
                  extra={"payload_bytes": len(json.dumps(payload)),
                         "legacy_decoder": decoder_name})
