"""System checks: what can be seen wrong from the settings alone."""

from __future__ import annotations
