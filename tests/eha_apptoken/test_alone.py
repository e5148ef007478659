"""eha_apptoken without the other eha apps, served for real, spoken to over sockets."""

import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tests.eha_apptoken.extapp import SERVICE_TOKEN
from tests.harness.servers import LocalServer, django_server

SETTINGS = "tests.projects.apptoken_alone"


@pytest.fixture(scope="module")
def alone(extapp_server):
    folder = tempfile.mkdtemp(prefix="eha-apptoken-alone-")
    env = {"EHA_ALONE_DB": str(Path(folder) / "db.sqlite3"), "EXTERNAL_APPS": "ext",
           "EXT_URL": f"{extapp_server.url}/api", "EXT_TOKEN": SERVICE_TOKEN}
    server = django_server(SETTINGS, env=env)
    with server:
        yield server


@pytest.fixture
def ext(extapp_server):
    extapp_server.reset()
    return extapp_server


def raw_request(server, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_system_checks_pass_without_the_other_apps():
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings", SETTINGS],
        capture_output=True, text=True, env=LocalServer([]).env, check=False)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_proxy_works_over_real_sockets(alone, ext):
    response = requests.get(f"{alone.url}/ext/echo?q=1", headers={"X-Test-User": "dave"},
                            timeout=10)
    assert response.status_code == 200
    assert response.json()["user"] == "dave"
    assert ext.count("POST /token") == 1
    assert ext.last()["headers"]["Authorization"].startswith("Token ")
    assert "X-Test-User" not in ext.last()["headers"]


def test_a_repeated_host_header_is_refused(alone, ext, elsewhere_server):
    elsewhere_server.reset()
    answer = raw_request(alone, (
        f"GET /ext/echo HTTP/1.1\r\nHost: 127.0.0.1:{alone.port}\r\n"
        f"Host: {elsewhere_server.host}\r\nX-Test-User: dave\r\nConnection: close\r\n\r\n"
    ).encode())
    assert answer.startswith(b"HTTP/1.1 400")
    assert [r for r in ext.received() if r["route"] != "/token"] == []
    assert elsewhere_server.counts() == {}


def test_transfer_encoding_with_content_length_is_refused(alone, ext):
    smuggled = b"0\r\n\r\nGET /api/token HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_request(alone, (
        f"POST /ext/echo HTTP/1.1\r\nHost: 127.0.0.1:{alone.port}\r\nX-Test-User: dave\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(smuggled)}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode() + smuggled)
    assert answer.startswith(b"HTTP/1.1 400")
    assert [r for r in ext.received() if r["route"] != "/token"] == []
