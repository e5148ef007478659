"""The blocks of docs/production/celery.md and observability.md, run as written.

probes.md's Kubernetes example is checked in tests/eha_health/test_docs_probes.py, and
observability.md's settings block and gunicorn config run a real server in
tests/eha_health/test_metrics_workers.py.
"""

from pathlib import Path

import yaml
from django.urls import reverse

DOCS = Path(__file__).resolve().parents[1] / "docs" / "production"


def blocks(page: str, language: str) -> list[str]:
    text = (DOCS / page).read_text()
    return [part.split("```", 1)[0] for part in text.split(f"```{language}\n")[1:]]


def test_celery_connect_block_connects_the_receivers():
    from celery.signals import before_task_publish, task_postrun, task_prerun

    from eha_tenancy.contrib import celery as realm_celery

    pairs = ((before_task_publish, realm_celery.add_realm_header),
             (task_prerun, realm_celery.activate_realm),
             (task_postrun, realm_celery.restore_realm))
    for signal, receiver in pairs:
        signal.disconnect(receiver, dispatch_uid=f"eha_tenancy.celery.{_uid(signal)}")
        assert not any(ref is receiver for _, ref in signal.receivers)
    connect_block, _example = blocks("celery.md", "python")
    exec(connect_block, {})
    for signal, receiver in pairs:
        assert any(ref is receiver for _, ref in signal.receivers)


def _uid(signal) -> str:
    return {"before_task_publish": "publish", "task_prerun": "prerun",
            "task_postrun": "postrun"}[signal.name]


def test_celery_example_block_compiles():
    _connect, example = blocks("celery.md", "python")
    compile(example, "celery.md", "exec")


def test_audit_receiver_block_takes_the_fields_sent():
    from eha_auth import audit

    (receiver_block,) = [b for b in blocks("observability.md", "python")
                         if "@receiver(login_refused)" in b]
    namespace: dict = {}
    exec(receiver_block, namespace)
    try:
        # Signal.send calls the receiver: a signature not taking the fields raises here.
        responses = audit.login_refused.send(sender=None, method="password", realm="north",
                                             reason="invalid credentials")
        assert (namespace["watch_refusals"], None) in responses
    finally:
        audit.login_refused.disconnect(namespace["watch_refusals"])


def test_scrape_config_names_the_metrics_view():
    (config,) = (yaml.safe_load(block) for block in blocks("observability.md", "yaml"))
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == reverse("eha_health:metrics")
    assert job["authorization"]["type"] == "Bearer"
