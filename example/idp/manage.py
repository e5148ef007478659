#!/usr/bin/env python
"""Manage the test provider: python example/idp/manage.py idp_setup | runserver 127.0.0.1:8001"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.idp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
