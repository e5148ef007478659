"""eha_tenancy: see README.md."""

__all__: list[str] = []
