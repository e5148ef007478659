"""Realm models: the realm is a column on the owning row; managers fail closed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.core.exceptions import FullResultSet
from django.db import models, router
from django.db.models.expressions import Expression
from django.utils.translation import gettext_lazy as _

from . import filters
from .conf import app_settings
from .exceptions import RealmMismatch, RealmRequired
from .requests import realm_of
from .state import is_unscoped, require_realm, unscoped

# Set while Django runs a write that is checked already (the update() of a bulk_update())
# or that is not checked (the raw saves of loaddata, which writes fixtures as they are).
_unchecked: ContextVar[bool] = ContextVar("eha_tenancy_unchecked", default=False)


class ActiveRealm(Expression):
    """The realm active when a query runs, read as the query is compiled.

    The default manager compares the realm column with this rather than with
    the realm active when the queryset was made, so a queryset (or a Subquery)
    made in one realm and evaluated in another reads the other realm's rows,
    and evaluated with no realm active raises RealmRequired.
    """

    output_field = models.CharField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str]]:
        realm = require_realm()
        if realm is None:  # unscoped(): the condition holds for every row
            raise FullResultSet
        return "%s", (realm,)


# One instance for every queryset: Django copies it where it needs to, and computes
# its identity (hashed while compiling) once.
ACTIVE_REALM = ActiveRealm()


class RealmQuerySet(models.QuerySet):
    """A queryset that cannot move rows to another realm or create rows outside it."""

    def update(self, **kwargs: Any) -> int:
        if app_settings.MULTITENANCY and not is_unscoped() and not _unchecked.get():
            if "realm" in kwargs:
                raise RealmMismatch("Move objects to another realm with add_to_realm().")
            links = _link_values(self.model, kwargs)
            if links:
                active = require_realm()
                assert active is not None  # not unscoped(), checked above
                if _check_link_values(links, active, self.db):  # not only set to None
                    _check_rows_in_realm(self, active)
        return super().update(**kwargs)

    def bulk_create(self, objs, batch_size: int | None = None, ignore_conflicts: bool = False,
                    update_conflicts: bool = False, update_fields: Any = None,
                    unique_fields: Any = None):
        objs = list(objs)
        kwargs = {"batch_size": batch_size, "ignore_conflicts": ignore_conflicts,
                  "update_conflicts": update_conflicts, "update_fields": update_fields,
                  "unique_fields": unique_fields}
        if objs and app_settings.MULTITENANCY and not is_unscoped():
            if update_conflicts:
                _check_upsert(self.model, update_fields or (), unique_fields or ())
            # The objects the new rows link to, read in one query per link rather
            # than one per row, for the realm checks of _stamp_realm.
            links = [*realm_links(self.model), getattr(self.model, "mt_field", "")]
            models.prefetch_related_objects(objs, *filter(None, links))
        for obj in objs:
            stamp = getattr(obj, "_stamp_realm", None)
            if stamp is not None:
                stamp()
        return super().bulk_create(objs, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any):
        if not app_settings.MULTITENANCY or is_unscoped():
            return super().bulk_update(objs, fields, *args, **kwargs)
        if "realm" in fields:
            raise RealmMismatch("Move objects to another realm with add_to_realm().")
        objs = tuple(objs)
        active = require_realm()
        assert active is not None  # not unscoped(), checked above
        # As save() does for each object: its row must be in the active realm, and so
        # must the objects its foreign keys point at.
        for name in fields:
            field = self.model._meta.get_field(name)
            if isinstance(field, models.Field) and field.name in realm_links(self.model):
                _check_link_values({field: [getattr(obj, field.attname) for obj in objs]},
                                   active, self.db)
        _check_keys_in_realm(self.model, [obj.pk for obj in objs], active, self.db)
        with _no_check():
            return super().bulk_update(objs, fields, *args, **kwargs)


# mypy's django plugin cannot type a from_queryset() base class written inline (misc).
class RealmManager(models.Manager.from_queryset(RealmQuerySet)):  # type: ignore[misc]
    """The default manager of realm models: every queryset is limited to the active realm.

    With MULTITENANCY on and no realm active it raises RealmRequired instead of
    returning every row. Related managers, ``values()``, aggregates, ``update()``
    and ``delete()`` all start from here, so they are limited too.
    """

    use_in_migrations = False  # migrations get a plain manager: every row

    def get_queryset(self) -> RealmQuerySet:
        queryset = super().get_queryset()
        if not app_settings.MULTITENANCY:
            return queryset
        require_realm()  # fail closed where the queryset is made, too
        # The realm itself is read when the query runs (ActiveRealm).
        return filters.limit_to_realm(queryset, self.model.realm_lookup(), ACTIVE_REALM)


class AllRealmsManager(models.Manager.from_queryset(RealmQuerySet)):  # type: ignore[misc]
    """Every row of every realm: for admin, migrations and commands. Grep for all_realms."""


class RealmRowWrites(models.Model):
    """Saves and deletes of one row stay in the active realm (the two realm bases share it).

    An update by primary key is limited to the active realm, and a delete of a row of
    another realm is refused, so an instance built with another realm's key can neither
    take that row over nor remove it.
    """

    class Meta:
        abstract = True

    def delete(self, using: str | None = None, keep_parents: bool = False) -> Any:
        _check_row_to_delete(self, using)
        return super().delete(using, keep_parents)

    def _do_update(self, base_qs, using, pk_val, *args: Any, **kwargs: Any) -> Any:
        return _update_in_realm(self, super()._do_update, base_qs, using, pk_val,
                                *args, **kwargs)

    def _save_table(self, raw: bool = False, *args: Any, **kwargs: Any) -> Any:
        if not raw:
            return super()._save_table(raw, *args, **kwargs)  # type: ignore[misc]  # private, not in django-stubs
        with _no_check():  # loaddata: fixtures are written as they are
            return super()._save_table(raw, *args, **kwargs)  # type: ignore[misc]  # private, not in django-stubs


class MtModelAbstract(RealmRowWrites):
    """A model owned by a realm, stored in its own ``realm`` column.

    Subclasses that declare their own Meta inherit this one
    (``class Meta(MtModelAbstract.Meta)``) to keep the (realm, id) index.
    """

    realm = models.CharField(_("realm"), max_length=63, editable=False)
    _loaded_realm: str | None  # the realm of the row as read from the database

    objects = RealmManager()
    all_realms = AllRealmsManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"
        # Named per model by Django: (realm, id) serves realm filters and pages by pk.
        indexes = [models.Index(fields=["realm", "id"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._stamp_realm()
        super().save(*args, **kwargs)
        self._loaded_realm = self.realm

    @classmethod
    def realm_lookup(cls) -> str:
        """Return the lookup path from this model to its realm column."""
        return "realm"

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs: Any):
        instance = super().from_db(db, field_names, values, **kwargs)  # Django 6.1: fetch_mode
        instance._loaded_realm = instance.__dict__.get("realm")
        return instance

    def _stamp_realm(self) -> None:
        """Put a new object in the active realm; refuse writes into another realm."""
        if not app_settings.MULTITENANCY:
            self.realm = self.realm or app_settings.DEFAULT_REALM
            return
        active = require_realm()
        if active is None:  # unscoped(): the realm must be given
            if not self.realm:
                raise RealmRequired("Inside unscoped(), give new objects their realm.")
            return
        if self._state.adding and not self.realm:
            self.realm = active
        loaded = getattr(self, "_loaded_realm", None)
        if self.realm != active or (loaded is not None and loaded != self.realm):
            raise RealmMismatch("This object belongs to another realm than the active one.")
        _check_related_realms(self, active)

    def add_to_realm(self, request_or_realm: Any) -> None:
        """Move this object to a realm (a realm name, or the realm of a request)."""
        realm = realm_of(request_or_realm)
        if realm is None:
            return
        self.realm = realm
        if self._state.adding:
            with unscoped():
                self.save()
        else:
            _move(self, realm)
        self._loaded_realm = realm

    def get_realm(self) -> str | None:
        """Return the realm of this object; None with tenancy off."""
        if not app_settings.MULTITENANCY:
            return None
        return self.realm or app_settings.DEFAULT_REALM

    def is_accessible(self, realm: str | None) -> bool:
        """Return True when this object belongs to ``realm`` (always with tenancy off)."""
        return not app_settings.MULTITENANCY or self.get_realm() == realm


@cache
def realm_links(model: type[models.Model]) -> tuple[str, ...]:
    """Return the names of the foreign keys of ``model`` to realm models."""
    return tuple(field.name for field in model._meta.concrete_fields
            if (field.many_to_one or field.one_to_one) and field.remote_field is not None
            and not field.remote_field.parent_link
            and hasattr(field.related_model, "realm_lookup"))


def _check_related_realms(instance: models.Model, active: str) -> None:
    """Refuse a foreign key to a realm object of another realm than the active one.

    Following a foreign key is not limited to a realm (Django uses the base
    manager), so such a link would show one realm's object from another. An
    object already loaded on ``instance`` costs no query; otherwise it is read.
    """
    for name in realm_links(type(instance)):
        related = getattr(instance, name)
        if related is not None and related.get_realm() != active:
            raise RealmMismatch(f"{name} belongs to another realm than the active one.")


@contextmanager
def _no_check() -> Iterator[None]:
    token = _unchecked.set(True)
    try:
        yield
    finally:
        _unchecked.reset(token)


def _write_realm() -> str | None:
    """Return the realm writes are checked against; None with tenancy off or unscoped()."""
    if not app_settings.MULTITENANCY:
        return None
    return require_realm()


def _update_in_realm(instance: Any, do_update: Any, base_qs: models.QuerySet, using: str,
                     pk_val: Any, *args: Any, **kwargs: Any) -> Any:
    """Run Django's UPDATE of ``instance`` on its row only if that row is in the realm.

    An object built with another realm's primary key (``Model(pk=...)``) would
    otherwise take that row over: the UPDATE matches no row, and a row with that
    key elsewhere raises RealmMismatch instead of the INSERT Django would try next.
    """
    active = None if _unchecked.get() else _write_realm()
    if active is None:
        return do_update(base_qs, using, pk_val, *args, **kwargs)
    lookup = instance.realm_lookup()
    updated = do_update(base_qs.filter(**{lookup: active}), using, pk_val, *args, **kwargs)
    if not updated and base_qs.filter(pk=pk_val).exists():
        raise RealmMismatch("A row with this primary key belongs to another realm: "
                            "nothing was saved.")
    return updated


def _check_row_to_delete(instance: Any, using: str | None) -> None:
    """Refuse to delete an object whose row (and so its children) is in another realm."""
    active = _write_realm()
    if active is None or instance.pk is None:
        return
    using = using or router.db_for_write(type(instance), instance=instance)
    _check_keys_in_realm(type(instance), [instance.pk], active, using,
                         "This object belongs to another realm: nothing was deleted.")


def _check_rows_in_realm(queryset: models.QuerySet, active: str,
                         message: str = "Rows of another realm cannot be changed here.") -> None:
    """Raise RealmMismatch when ``queryset`` holds a row outside the active realm."""
    if queryset.exclude(**{queryset.model.realm_lookup(): active}).exists():
        raise RealmMismatch(message)


_CHUNK = 500  # keys per query, well under the parameter limits of SQLite and Oracle


def _check_keys_in_realm(model: Any, keys: Iterable, active: str, using: str,
                         message: str = "Rows of another realm cannot be changed here.",
                         field: str = "pk") -> None:
    """Raise RealmMismatch when a row of ``model`` whose ``field`` is in ``keys`` is
    outside the active realm; one query per 500 keys."""
    keys = list(keys)
    rows = model._base_manager.using(using)
    for start in range(0, len(keys), _CHUNK):
        _check_rows_in_realm(rows.filter(**{f"{field}__in": keys[start:start + _CHUNK]}),
                             active, message)


def _link_values(model: type[models.Model], values: dict[str, Any]) -> dict[Any, list]:
    """Return the foreign keys to realm models among ``values`` (an update's), with values."""
    names = realm_links(model)
    if not names:
        return {}
    found = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.name in names:
            found[field] = [value]
    return found


def _check_link_values(links: Mapping[Any, Iterable], active: str, using: str) -> bool:
    """Refuse foreign key values (objects, keys) that point at another realm's objects.

    An expression (F(), Subquery()) cannot be checked before it runs: refused too.
    Return True when a value links to an object (is not None).
    """
    linked = False
    for field, values in links.items():
        keys = set()
        for value in values:
            if hasattr(value, "resolve_expression"):
                raise RealmMismatch(f"{field.name}: give an object or its key, not an "
                                    "expression, so its realm can be checked.")
            if isinstance(value, models.Model):
                value = getattr(value, field.target_field.attname)
            if value is not None:
                keys.add(value)
        _check_keys_in_realm(field.related_model, keys, active, using,
                             f"{field.name} belongs to another realm than the active one.",
                             field.target_field.name)
        linked = linked or bool(keys)
    return linked


def _check_upsert(model: Any, update_fields: Iterable[str],
                  unique_fields: Iterable[str]) -> None:
    """Allow ``bulk_create(update_conflicts=True)`` only where a conflict stays in the realm.

    The rows inserted are in the active realm; the row a conflict updates is in
    it too only when the conflict target holds the realm: the realm column of a
    realm model, the foreign key towards the owner of a child model (both part
    of a unique constraint). Any other target could update another realm's row.
    """
    opts = model._meta
    unique = {opts.get_field(opts.pk.name if name == "pk" else name) for name in unique_fields}
    anchor = opts.get_field(model.realm_lookup().split("__")[0])
    if "realm" in update_fields:
        raise RealmMismatch("Move objects to another realm with add_to_realm().")
    if anchor not in unique:
        raise RealmMismatch(
            f"bulk_create(update_conflicts=True) could update another realm's row: put "
            f"{anchor.name!r} in unique_fields (a unique constraint that includes it), or "
            "update existing rows through the default manager.")


def check_m2m_realms(sender: Any, instance: Any, action: str, reverse: bool, model: Any,
                     pk_set: set | None, using: str, **kwargs: Any) -> None:
    """m2m_changed receiver: refuse many-to-many changes that reach into another realm.

    add, remove, set and clear, from either side: the object whose relation
    changes and every object named must be in the active realm, as a foreign key
    must (a link between two realms would show one realm's objects from the other).
    """
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    sides = [(type(instance), {instance.pk}), (model, pk_set or set())]
    sides = [(side, keys) for side, keys in sides if keys and hasattr(side, "realm_lookup")]
    active = _write_realm() if sides else None
    if active is None:
        return
    for side, keys in sides:
        _check_keys_in_realm(side, keys, active, using,
                             f"A {side._meta.verbose_name} of another realm cannot be "
                             "linked, unlinked or cleared here.")


def _move(instance: MtModelAbstract, realm: str) -> None:
    with unscoped():
        type(instance).all_realms.filter(pk=instance.pk).update(realm=realm)


class MtModelChildAbstract(RealmRowWrites):
    """A model whose realm is that of the owner it reaches through ``mt_field``.

    ``mt_field`` is the lookup path to the MtModelAbstract model, for example
    ``"survey__project"``.
    """

    mt_field: str = ""

    objects = RealmManager()
    all_realms = AllRealmsManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._stamp_realm()
        super().save(*args, **kwargs)

    @classmethod
    def realm_lookup(cls) -> str:
        """Return the lookup path from this model to its owner's realm column."""
        return f"{cls.mt_field}__realm"

    def get_mt_instance(self) -> MtModelAbstract:
        """Return the owning MtModelAbstract object (through mt_field)."""
        instance: Any = self
        for name in self.mt_field.split("__"):
            instance = getattr(instance, name)
        return instance

    def get_realm(self) -> str | None:
        """Return the realm of the owner; None with tenancy off."""
        return self.get_mt_instance().get_realm()

    def is_accessible(self, realm: str | None) -> bool:
        """Return True when the owner belongs to ``realm`` (always with tenancy off)."""
        return self.get_mt_instance().is_accessible(realm)

    def _stamp_realm(self) -> None:
        """Refuse to save a child whose owner is in another realm than the active one."""
        if not app_settings.MULTITENANCY:
            return
        active = require_realm()
        if active is not None:
            if self.get_realm() != active:
                raise RealmMismatch("The owner of this object belongs to another realm.")
            _check_related_realms(self, active)
