"""Inserting thousands of new rows of one model at once, for ingest: `rows_insert(objs)`.

bulk_create runs Django's whole field machinery on every value (pre_save, get_db_prep_save, a
placeholder each), which cost ingest more CPU than everything else it does. On PostgreSQL this
takes the ids of all the rows from the table's sequence in one query, converts each value with a
converter chosen once per field, and sends the rows with COPY. Elsewhere (SQLite in development
and tests) it is plain bulk_create. Either way the objects come back as bulk_create leaves them:
primary keys set, auto_now fields filled in, marked as saved.

Only for models whose rows need no more than that: no FileField (its pre_save stores the file),
no database-computed defaults.
"""

import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import ModelState
from django.utils import timezone

# COPY's text format: these characters are written escaped, and \N is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_NEEDS_ESCAPE = re.compile(r"[\\\n\r\t]")
_plans = {}
_blueprints = {}

ModelT = TypeVar("ModelT", bound=models.Model)


def rows_new(model: type[ModelT], **values: Any) -> ModelT:
    """An unsaved instance, as `model(**values)` makes it, without Django's per-field __init__ work.

    Ingest builds a few thousand instances a batch, and keyword __init__ was a fifth of its time.
    `values` are by field name; a related object is cached as the foreign key's descriptor does, its
    id copied if it has one (rows_insert copies it later otherwise). Only for models without
    pre_init/post_init receivers (none of ours has: no ImageField, no generic relations).
    """
    static, dynamic, relations = _blueprints.get(model) or _blueprints.setdefault(model, _blueprint(model))
    obj = model.__new__(model)
    obj._state = ModelState()
    attributes = obj.__dict__
    attributes.update(static)
    for attname, make_default in dynamic:
        attributes[attname] = make_default()
    for name, value in values.items():
        attname = relations.get(name)
        if attname is None:
            attributes[name] = value
        else:
            attributes[attname] = None if value is None else value.pk
            obj._state.fields_cache[name] = value
    return obj


def _blueprint(model):
    static, dynamic, relations = {}, [], {}
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            dynamic.append((field.attname, field.default))
        else:
            static[field.attname] = field.get_default()
        if field.is_relation:
            relations[field.name] = field.attname
    return static, dynamic, relations


def rows_insert(objs: Iterable[ModelT]) -> list[ModelT]:
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    plan = _plans.get(model) or _plans.setdefault(model, _Plan(model))
    plan.insert(objs)
    return objs


class _Plan:
    """How to write one model's rows: its columns and a converter to COPY text for each."""

    def __init__(self, model):
        meta = model._meta
        self.table = meta.db_table
        self.pk = meta.pk
        self.fields = [field for field in meta.concrete_fields if not field.generated]
        for field in self.fields:
            if isinstance(field, models.FileField) or field.db_default is not models.NOT_PROVIDED:
                raise TypeError(f"rows_insert cannot write {model.__name__}.{field.name}")
        self.auto_now = [field.attname for field in self.fields if _is_auto_now(field)]
        self.converters = [(field.attname, _converter(field)) for field in self.fields]
        self.related = [field for field in self.fields if field.is_relation]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in self.fields)
        self.copy = f"COPY {connection.ops.quote_name(self.table)} ({columns}) FROM STDIN"

    def insert(self, objs):
        now = timezone.now()
        for obj in objs:
            for attname in self.auto_now:
                setattr(obj, attname, now)  # as pre_save(add=True) does
            for field in self.related:
                _copy_related_pk(obj, field)
        ids = self._take_ids(sum(1 for obj in objs if obj.pk is None))
        for obj in objs:
            if obj.pk is None:
                obj.pk = next(ids)
        buffer = io.StringIO()
        for obj in objs:
            values = obj.__dict__
            buffer.write("\t".join([convert(values[attname]) for attname, convert in self.converters]))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor, connection.wrap_database_errors:
            # COPY refuses a row the constraints refuse, as INSERT does (IntegrityError).
            cursor.cursor.copy_expert(self.copy, buffer)
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias

    def _take_ids(self, count):
        if not count:
            return iter(())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(self.table), self.pk.column, count],
            )
            return iter(sorted(row[0] for row in cursor.fetchall()))


def _is_auto_now(field):
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _copy_related_pk(obj, field):
    """Message(ticket=ticket) made before the ticket was saved: take its id now, as save() does."""
    if getattr(obj, field.attname) is not None or not field.is_cached(obj):
        return
    related = field.get_cached_value(obj)
    if related is not None:
        if related.pk is None:
            raise ValueError(
                f"{field.model.__name__}.{field.name} points to an unsaved {type(related).__name__}"
            )
        setattr(obj, field.attname, related.pk)


def _converter(field):
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def convert(value):
            return r"\N" if value is None else json.dumps(value, cls=encoder).translate(_COPY_ESCAPES)

    elif isinstance(field, models.BooleanField):

        def convert(value):
            return r"\N" if value is None else ("t" if value else "f")

    elif isinstance(field, (models.DateTimeField, models.DateField)):

        def convert(value):
            if value is None:
                return r"\N"
            if isinstance(value, datetime) and timezone.is_naive(value):
                # As Django reads one (in TIME_ZONE), not as the server would.
                value = timezone.make_aware(value)
            return value.isoformat() if isinstance(value, date) else str(value)

    elif isinstance(field.target_field if field.is_relation else field, models.IntegerField):
        # Ids, counts, choices.
        def convert(value):
            return r"\N" if value is None else str(int(value))

    else:  # text, and anything else whose str() PostgreSQL reads

        def convert(value):
            if value is None:
                return r"\N"
            text = str(value)
            # Most text needs none.
            return text.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(text) else text

    return convert
