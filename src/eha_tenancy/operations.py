"""Migration operations: PostgreSQL row-level security on a realm model's table.

In a migration of the app that owns the models::

    from eha_tenancy.operations import EnableRealmRLS

    operations = [
        EnableRealmRLS("Project"),
        EnableRealmRLS("Survey", mt_field="project"),
        EnableRealmRLS("Answer", mt_field="survey__project"),
    ]

On other databases (SQLite, ...) the operations do nothing, so one migration
runs everywhere. ``sqlmigrate`` shows the SQL; see rls.py for the policy.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation

from .conf import app_settings
from .rls import disable_statements, enable_statements


class EnableRealmRLS(Operation):
    """Limit a realm model's table to the realm named in TENANCY_RLS_SETTING.

    Enables row-level security, adds the ``eha_realm`` policy (for reading and
    writing), and forces it on the table's owner when TENANCY_RLS_FORCE is on.
    Child models name the path to their owner with ``mt_field`` (migrations do
    not keep the model's ``mt_field`` attribute). Reversed, it drops the policy
    and disables row-level security on the table. Running it again replaces
    the policy (after changing TENANCY_RLS_SETTING or ``mt_field``).
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, mt_field: str | None = None) -> None:
        self.model_name = model_name
        self.mt_field = mt_field

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # the database changes, the models do not

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self._applies(schema_editor, model):
            for sql in enable_statements(model, self.mt_field, schema_editor.quote_name,
                                         force=app_settings.RLS_FORCE):
                schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self._applies(schema_editor, model):
            for sql in disable_statements(model, schema_editor.quote_name):
                schema_editor.execute(sql, params=None)

    def _applies(self, schema_editor: Any, model: Any) -> bool:
        connection = schema_editor.connection
        return (connection.vendor == "postgresql"
                and self.allow_migrate_model(connection.alias, model))

    def describe(self) -> str:
        return f"Enable realm row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"realm_rls_{self.model_name.lower()}"
