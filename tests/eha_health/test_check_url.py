"""check_url against a real local HTTP server."""

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.harness.servers import LocalServer, free_port


@pytest.fixture(scope="module")
def echo():
    with LocalServer([sys.executable, "-m", "tests.harness.echo", "{port}"]) as server:
        yield server


def test_reachable_url_passes(echo, capsys):
    call_command("check_url", "-u", f"{echo.url}/status/204")
    assert capsys.readouterr().out.strip() == f"{echo.url}/status/204 answered 204."


def test_token_is_sent_and_not_printed(echo, capsys):
    call_command("check_url", "--url", f"{echo.url}/anything", "--token", "s3cr3t-token")
    assert "s3cr3t-token" not in capsys.readouterr().out


def test_error_status_fails(echo):
    with pytest.raises(CommandError, match=r"answered 404\.$"):
        call_command("check_url", "-u", f"{echo.url}/status/404")


def test_unreachable_url_fails_clearly():
    with pytest.raises(CommandError, match=r"is not reachable \(ConnectionError\)"):
        call_command("check_url", "-u", f"http://127.0.0.1:{free_port()}/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "not a url", "ftp://example.org/"])
def test_non_http_urls_are_refused(url):
    with pytest.raises(CommandError, match="is not an http"):
        call_command("check_url", "-u", url)


def test_url_is_required():
    with pytest.raises(CommandError, match="--url"):
        call_command("check_url")


def test_exits_non_zero_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "django", "check_url", "-u", f"http://127.0.0.1:{free_port()}/",
         "-t", "s3cr3t-token", "--settings", "tests.settings"],
        capture_output=True, text=True, env=LocalServer([]).env, check=False,
    )
    assert result.returncode == 1
    assert "is not reachable" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cr3t-token" not in result.stderr + result.stdout
