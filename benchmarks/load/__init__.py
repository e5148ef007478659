"""``nox -s load``: the demo as deployed (PostgreSQL, Redis, 4 workers) under wrk.

    python -m benchmarks.load [--short] [--seconds N] [--servers gunicorn,uvicorn]
"""
