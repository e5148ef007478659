"""docs/production/probes.md: its Kubernetes example names paths that answer."""

from pathlib import Path

import pytest
import yaml

from eha_health import probes

PAGE = Path(__file__).resolve().parents[2] / "docs" / "production" / "probes.md"


def _blocks(language: str) -> list[str]:
    parts = PAGE.read_text().split(f"```{language}\n")[1:]
    return [part.split("```", 1)[0] for part in parts]


def _probes() -> dict:
    (deployment,) = (yaml.safe_load(block) for block in _blocks("yaml"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {name: container[name] for name in ("startupProbe", "livenessProbe",
                                               "readinessProbe")}


@pytest.mark.django_db
def test_every_probe_of_the_deployment_answers_200_here(client):
    probes.clear_cache()
    for probe in _probes().values():
        assert client.get(probe["httpGet"]["path"]).status_code == 200


def test_the_probes_are_the_documented_views():
    paths = {name: probe["httpGet"]["path"] for name, probe in _probes().items()}
    assert paths == {"startupProbe": "/check-startup", "livenessProbe": "/health",
                     "readinessProbe": "/check-ready"}
