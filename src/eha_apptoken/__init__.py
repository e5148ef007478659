"""eha_apptoken: per-user tokens for calling other services, and a proxy view.

Importable from a settings module: ``from eha_apptoken import external_apps_from_env``.
Views, decorator and models live in their modules (``eha_apptoken.views``, ...).
"""

from .conf import external_apps_from_env

__all__ = ["external_apps_from_env"]
