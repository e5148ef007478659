"""eha_auth: see README.md."""

__all__: list[str] = []
