"""eha_apptoken: see README.md."""

__all__: list[str] = []
