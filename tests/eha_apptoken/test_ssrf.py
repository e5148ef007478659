"""No path can send the proxy elsewhere than the configured host and base path (SSRF)."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from eha_apptoken.proxy import BadProxyRequest, target_url

pytestmark = pytest.mark.django_db

# "{evil}" is replaced by host:port of a second real service the proxy must never reach.
CORPUS = [
    "../token",
    "../../etc/passwd",
    "..%2Ftoken",
    "%2e%2e/token",
    "%2E%2E%2Ftoken",
    "echo/../../token",
    "./../echo",
    "echo/%2e%2e%2f%2e%2e%2fsecret",
    "%252e%252e/%252e%252e/secret",
    "//{evil}/echo",
    "%2F%2F{evil}/echo",
    "///{evil}/echo",
    "@{evil}/echo",
    "x@{evil}/echo",
    ":@{evil}/echo",
    "http://{evil}/echo",
    "http:%2F%2F{evil}/echo",
    "https://{evil}/echo",
    "\\\\{evil}\\echo",
    "%5C%5C{evil}%5Cecho",
    "..\\token",
    "echo\\..\\..\\token",
    "{evil}/echo",
    ":{evil}/echo",
    "echo%3F@{evil}/x",
    "echo%23@{evil}/x",
    "echo%00/x",
    "echo%0d%0aHost:%20{evil}",
    "echo%09/x",
    "..;/token",
    "%c0%ae%c0%ae/token",
    "\uff0e\uff0e/token",
    "echo/.",
    "echo?next=http://{evil}/x",
    "echo/%40{evil}",
]


@pytest.fixture(params=["/api", ""], ids=["base-path", "no-base-path"])
def corpus_run(request, extapp, elsewhere_server, alice, settings):
    base_path = request.param
    settings.EXTERNAL_APPS["ext"]["url"] = extapp.url + base_path
    elsewhere_server.reset()
    yield extapp, elsewhere_server, alice, base_path
    assert elsewhere_server.counts() == {}, "a request reached the other service"


@pytest.mark.parametrize("case", CORPUS)
def test_path_escape_corpus(corpus_run, case):
    extapp, elsewhere, alice, base_path = corpus_run
    path = case.replace("{evil}", elsewhere.host)
    response = alice.get("/ext/" + path)
    if response.status_code in (400, 404):
        data_calls = [r for r in extapp.received() if r["route"] != "/token"]
        assert data_calls == []
        return
    assert response.status_code == 200, response.status_code
    seen = extapp.last()
    assert seen["headers"]["Host"] == extapp.host
    assert seen["raw_path"].startswith(base_path + "/")
    assert "/../" not in seen["path"] + "/" and not seen["path"].endswith("/..")
    assert seen["route"] not in ("/token", "/_admin/received")


def test_corpus_has_at_least_25_cases():
    assert len(CORPUS) >= 25


def test_dot_segments_and_backslashes_are_refused_with_400(extapp, alice):
    for path in ("../token", "a/../../b", "a\\b", "echo%00"):
        response = alice.get("/ext/" + path)
        assert response.status_code == 400
        assert response.content == b"path not allowed\n"


def test_encoded_characters_stay_in_the_path(extapp, alice):
    alice.get("/ext/echo/%40host%3Fq%23f%25")
    assert extapp.last()["raw_path"] == "/api/echo/%40host%3Fq%23f%25"


BASES = ["http://127.0.0.1:9/api", "http://127.0.0.1:9", "https://app.test/base/v1"]


@hypothesis_settings(max_examples=300, deadline=None)
@given(base=st.sampled_from(BASES), path=st.text(max_size=40), query=st.text(max_size=20))
def test_any_path_stays_below_the_base(base, path, query):
    try:
        url = target_url(base, path, query)
    except BadProxyRequest:
        return
    parsed, parsed_base = parse_url(url), parse_url(base)
    assert (parsed.scheme, parsed.host, parsed.port) == (
        parsed_base.scheme, parsed_base.host, parsed_base.port)
    assert parsed.auth is None
    assert (parsed.path or "/").startswith((parsed_base.path or "").rstrip("/") + "/")
    assert "/../" not in (parsed.path or "") + "/"
