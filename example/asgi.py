"""The demo as an ASGI application: ``uvicorn example.asgi:application``.

``/health`` is answered before Django's handler (eha_health.asgi), so a liveness
probe costs no thread switch; everything else is Django's.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
django_application = get_asgi_application()

from eha_health.asgi import answer_liveness  # noqa: E402  (needs the settings above)

application = answer_liveness(django_application)
