"""Signals of eha_health."""

from django.dispatch import Signal

# Sent after each health check ran: name (str), ok (bool), seconds (float).
check_finished = Signal()
