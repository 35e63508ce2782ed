"""Writes generated rows in bulk, keeping their own timestamps, and logs their creation.

Generated history needs its own dates (an engagement created in March, a week approved in May), where
`auto_now_add` would date every row today; and bulk inserts bypass the signals that write the change
log, so the 'create' rows are written here. Rows go in as multi-row INSERT ... RETURNING (the keys,
in order, as Django's `bulk_create` gets them) or, when nothing needs their keys, as plain INSERTs
(COPY on PostgreSQL): model instances are only read, never compiled by the ORM, which is what makes a
year of a 300-person firm take minutes rather than an hour.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from cpahub.core.changelog import MASK, _jsonable
from cpahub.core.models import ChangeLoggedModel, ObjectChange

CHANGE_USER_NAME = "demo"
CHANGE_COLUMNS = [
    "time", "user_id", "user_name", "request_id", "action", "content_type_id", "object_id", "object_repr",
    "owner_id", "before", "after",
]  # fmt: skip
# Field types whose Python value the database driver takes as it is (after `db_value`).
PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DateTimeField", "DecimalField", "EmailField", "ForeignKey", "IntegerField", "OneToOneField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
    "URLField",
}  # fmt: skip


def moment(day: datetime.date, rng: random.Random | None = None, hours=(9, 18)) -> datetime.datetime:
    """An aware datetime on `day` in office hours (or at noon without `rng`), in the site's zone."""
    hour, minute = (rng.randint(*hours), rng.randrange(60)) if rng else (12, 0)
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(day, datetime.time(min(hour, 23), minute), tzinfo=zone)


def _automatic(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


class Store:
    """Inserts rows, counts them, and (with `changelog`) writes a 'create' change row for each."""

    def __init__(self, *, changelog: bool, request_id: str = ""):
        self.changelog = changelog
        self.request_id = request_id
        self.counts: Counter = Counter()
        self._types: dict[type, int] = {}

    def add(self, objects: list, *, owner: int | None = None, log: bool = True, keys: bool = True):
        """Insert `objects` (one model); rows without a timestamp get now. Returns them.

        `keys=False`: nothing refers to these rows later; unless they are change-logged, they are
        written without reading their keys back (faster) and the objects get no primary key."""
        if not objects:
            return objects
        model = type(objects[0])
        now = timezone.now()
        names = _automatic(model)
        for obj in objects:
            for name in names:
                if getattr(obj, name) is None:
                    setattr(obj, name, now)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        adapters = [_adapter(f) for f in fields]
        rows = [tuple(adapt(obj) for adapt in adapters) for obj in objects]
        columns = [f.column for f in fields]
        logged = log and self.changelog and issubclass(model, ChangeLoggedModel)
        if keys or logged:
            for obj, pk in zip(objects, self._insert_returning(model, columns, rows), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, connection.alias
        else:
            self.insert_rows(model, columns, rows, count=False)
        self.counts[model._meta.label] += len(objects)
        if logged:
            self.log(objects, owner)
        return objects

    def log(self, objects: list, owner: int | None = None) -> None:
        """A 'create' change row per object, as the change-log signal would have written it."""
        model = type(objects[0])
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
        snap = snapshotter(model)
        now = db_value(timezone.now())
        rows = [
            (now, None, CHANGE_USER_NAME, self.request_id, ObjectChange.Action.CREATE.value, self._types[model],
             str(obj.pk), str(obj)[:200], owner if owner is not None else obj.changelog_owner_id, None,
             json.dumps(snap(obj), ensure_ascii=False))
            for obj in objects
        ]  # fmt: skip
        self.insert_rows(ObjectChange, CHANGE_COLUMNS, rows, count=False)
        self.counts["change log rows"] += len(rows)

    def _insert_returning(self, model, columns: list[str], rows: list[tuple]) -> list:
        """Multi-row INSERT ... RETURNING the keys, in the order of the rows."""
        quote = connection.ops.quote_name
        pk = quote(model._meta.pk.column)
        head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        size = max(1, min(500, 30000 // max(1, len(columns))))  # under SQLite's limit of parameters
        keys = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                params = [value for row in batch for value in row]
                cursor.execute(head + ", ".join([one] * len(batch)) + f" RETURNING {pk}", params)
                keys += [row[0] for row in cursor.fetchall()]
        return keys

    def insert_rows(self, model, columns: list[str], rows: list[tuple], count: bool = True) -> None:
        """Plain INSERTs (COPY on PostgreSQL) of rows whose values are ready for the database (see
        `db_value`): the way for the largest tables."""
        if not rows:
            return
        columns, rows = _with_defaults(model, columns, rows)
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        if count:
            self.counts[model._meta.label] += len(rows)


def _adapter(field):
    """A function of an object giving `field`'s value as the database takes it."""
    attname = field.attname
    if field.is_relation:

        def related(obj):
            value = getattr(obj, attname)
            if value is None and field.is_cached(obj):  # set to an object saved since
                target = field.get_cached_value(obj)
                value = target.pk if target is not None else None
            return value

        return related
    if field.get_internal_type() in PLAIN:
        return lambda obj: db_value(getattr(obj, attname))
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def snapshotter(model):
    """`core.changelog.snapshot` for many objects of one model (the field checks made once)."""
    fields = [
        (f.name, f.attname, getattr(f, "sensitive", False))
        for f in model._meta.concrete_fields
        if not (
            getattr(f, "changelog_exclude", False)
            or getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
        )
    ]

    def snap(obj) -> dict:
        data = {}
        for name, attname, sensitive in fields:
            value = getattr(obj, attname)
            data[name] = (MASK if value else "") if sensitive else _jsonable(value)
        return data

    return snap


def db_value(value):
    """A date, aware datetime or Decimal as the database driver takes it (SQLite: naive UTC text, as
    `adapt_datetimefield_value` makes it, without its per-call time-zone look-ups)."""
    if isinstance(value, datetime.datetime) and connection.vendor == "sqlite":
        return str(value.astimezone(connection.timezone).replace(tzinfo=None))
    return value


def _with_defaults(model, columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns the caller does not know of (added to the model later) get their field's default."""
    missing = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in columns and (f.has_default() or f.null)
    ]
    unknown = [
        f.column
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in columns and f not in missing
    ]
    if unknown:
        raise ValueError(f"{model._meta.label}: no value for the columns {unknown}")
    if not missing:
        return columns, rows
    extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in missing)
    return [*columns, *(f.column for f in missing)], [row + extra for row in rows]
