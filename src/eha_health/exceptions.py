class CheckFailed(Exception):
    """Raised by a readiness check to report failure with a short message."""
