"""eha_health: health, database and readiness views that load balancers can reach."""

from .exceptions import CheckFailed

__all__ = ["CheckFailed"]
