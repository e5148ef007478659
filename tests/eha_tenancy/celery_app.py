"""The Celery app of the Celery tests: a real worker runs it (tests/projects/ops.py).

    DJANGO_SETTINGS_MODULE=tests.projects.ops EHA_DB_FILE=... EHA_BROKER_URL=redis://...
    celery -A tests.eha_tenancy.celery_app worker --pool=solo
"""

import os

from celery import Celery

import eha_tenancy.contrib.celery
from eha_tenancy import get_active_realm

app = Celery("eha_tests")
app.conf.update(
    broker_url=os.environ.get("EHA_BROKER_URL", "memory://"),
    result_backend=os.environ.get("EHA_BROKER_URL", "cache+memory://"),
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
eha_tenancy.contrib.celery.connect()


@app.task
def create_project(name: str) -> str:
    from tests.eha_tenancy.testapp.models import Project

    return Project.objects.create(name=name).realm


@app.task
def project_names() -> dict:
    from tests.eha_tenancy.testapp.models import Project

    return {"active": get_active_realm(),
            "names": sorted(Project.objects.values_list("name", flat=True))}
