"""SQLite whose transactions take the write lock when they begin.

The provider answers requests on several threads, and a token grant reads and then
writes in one transaction. SQLite refuses (``database is locked``, without waiting)
a transaction that read an older snapshot and then tries to write, so concurrent
grants failed. ``BEGIN IMMEDIATE`` makes them wait their turn instead, as
``OPTIONS={"transaction_mode": "IMMEDIATE"}`` does on Django 5.1 and later.
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        self.cursor().execute("BEGIN IMMEDIATE")
