"""docs/testing.md shows the demo's kit tests as they are, and its command runs them."""

import os
import re
import shlex
import subprocess
import sys

from tests.harness.servers import ROOT

PAGE = (ROOT / "docs" / "testing.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", PAGE, re.S)


def test_the_python_blocks_are_the_demos_test_modules():
    assert blocks("python") == [
        (ROOT / "example" / "tests" / name).read_text()
        for name in ("test_with_kit.py", "test_with_kit_testcase.py")]


def run(command):
    """Run a command of the page as written (``VAR=value`` prefixes, ``python``)."""
    words = shlex.split(command)
    env = dict(os.environ)
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "python"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, *words[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def test_the_commands_run_the_demos_kit_tests():
    with_pytest, with_runner = blocks("bash")
    assert re.search(r"\b11 passed\b", run(with_pytest))
    assert re.search(r"Ran 3 tests.*\nOK", run(with_runner), re.S)
