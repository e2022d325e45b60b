"""Model instances from hand-written SQL, for the reads every ticket page makes.

For the one ticket with its customer, organization, account and assignee, the ORM spent longer
writing the query and building the instances (1.25 ms of CPU) than PostgreSQL spent answering it
(0.12 ms): most of the ticket page's cost is such small reads. Here each SELECT is written once per
process from the models' own fields, so a new column is read without touching this file, and every
value passes through the converters the ORM would apply, so the instances are the ones the ORM
makes: related objects cached as select_related caches them, prefetched lists as
prefetch_related leaves them. Fields left out are deferred (loaded if someone reads them).
"""

from __future__ import annotations

from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connection, models


class Columns:
    """One model's columns in a SELECT under a table alias, and an instance from its part of a row."""

    def __init__(
        self,
        model: type[models.Model],
        alias: str,
        *,
        defer: tuple[str, ...] = (),
        only: tuple[str, ...] | None = None,
    ):
        """`defer` leaves those fields out; `only` reads those alone (and the primary key)."""
        self.model = model
        self.alias = alias
        keep = None if only is None else {*only, model._meta.pk.attname}
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if field.attname not in defer and (keep is None or field.attname in keep)
        ]
        self.attnames = [field.attname for field in self.fields]
        self.width = len(self.fields)
        self.pk_index = self.attnames.index(model._meta.pk.attname)

    @cached_property
    def select(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    @cached_property
    def table(self) -> str:
        quote = connection.ops.quote_name
        return f"{quote(self.model._meta.db_table)} {quote(self.alias)}"

    @cached_property
    def _converters(self):
        """(position, column, converters) for each value the ORM would convert (JSON text, SQLite's
        dates...), chosen once: the backend's first, then the field's, as the ORM applies them."""
        found = []
        for position, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                found.append((position, column, converters))
        return found

    def load(self, row, start: int = 0) -> models.Model | None:
        """The instance in row[start:start + width]; None when its primary key is NULL (a LEFT JOIN
        that found nothing)."""
        values = list(row[start : start + self.width])
        if values[self.pk_index] is None:
            return None
        for position, column, converters in self._converters:
            value = values[position]
            for converter in converters:
                value = converter(value, column, connection)
            values[position] = value
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)


def cache_related(instance: models.Model, name: str, related: models.Model | None) -> None:
    """Remember `related` as instance.<name>, as select_related does (None too: no query later)."""
    instance._meta.get_field(name).set_cached_value(instance, related)


def cache_prefetched(instance: models.Model, name: str, related: list) -> None:
    """Make instance.<name>.all() answer `related` without a query, as prefetch_related does."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = related
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)
