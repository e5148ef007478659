"""Serve a Django project on 127.0.0.1:<port> with Django's threaded server.

    python -m tests.harness.serve <settings module> <port> [--migrate]
"""

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("settings")
    parser.add_argument("port", type=int)
    parser.add_argument("--migrate", action="store_true")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings

    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    if args.migrate:
        call_command("migrate", verbosity=0, interactive=False)
    run("127.0.0.1", args.port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
