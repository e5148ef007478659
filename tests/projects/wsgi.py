"""The WSGI application of a tests/projects settings module (DJANGO_SETTINGS_MODULE)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
