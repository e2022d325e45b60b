"""Percentiles by linear interpolation between closest ranks, the same on every database.

The method is PostgreSQL's percentile_cont (and numpy's default): for n sorted values and a
fraction p, take the position h = p * (n - 1); the result is x[floor h] + (h - floor h) *
(x[ceil h] - x[floor h]). PostgreSQL computes it in the database (no rows leave it: one scan,
one sort per measure and group, every group in one query through GROUPING SETS); elsewhere
(SQLite) the values are fetched and the same arithmetic runs here, in the same float order, so
both give identical numbers.
"""

import math
from collections import defaultdict

from django.db import connection, transaction

FRACTIONS = (0.5, 0.9)
SORT_MEMORY = "64MB"
ALL = "all"


def percentile(sorted_values, fraction):
    """The percentile of already sorted numbers, or None when there are none."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low, high = float(sorted_values[lower]), float(sorted_values[upper])
    return low + (high - low) * (position - lower)


def percentiles_by(rows, groups, measures, fractions=FRACTIONS):
    """Percentiles of each measure over a queryset's rows, in all and per value of each group field.

    Returns {ALL: {measure: [one per fraction]}, (group field, value): {...}, ...}. NULL measures
    are left out, as percentile_cont does; a group with no values has no key.
    """
    if connection.vendor == "postgresql":
        return _in_database(rows, list(groups), list(measures), fractions)
    return _in_python(rows, list(groups), list(measures), fractions)


def _in_database(rows, groups, measures, fractions):
    """One query: the filtered rows as a subquery, aggregated over GROUPING SETS ((g1), (g2), ())."""
    inner, params = rows.order_by().values(*groups, *measures).query.sql_with_params()
    name = connection.ops.quote_name
    wanted = "ARRAY[" + ", ".join(f"{float(fraction)!r}::float8" for fraction in fractions) + "]"
    columns = [f"t.{name(group)}" for group in groups] + [f"GROUPING(t.{name(group)})" for group in groups]
    columns += [
        f"percentile_cont({wanted}) WITHIN GROUP (ORDER BY t.{name(measure)})" for measure in measures
    ]
    sets = ", ".join([f"(t.{name(group)})" for group in groups] + ["()"])
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) t GROUP BY GROUPING SETS ({sets})"
    result = {ALL: _empty(measures, fractions)}
    with transaction.atomic(), connection.cursor() as cursor:
        # Each percentile sorts its group's values; room to sort in memory, for this query only.
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        values, flags, found = row[: len(groups)], row[len(groups) : 2 * len(groups)], row[2 * len(groups) :]
        key = next(
            ((group, value) for group, value, flag in zip(groups, values, flags, strict=True) if flag == 0),
            ALL,
        )
        by_measure = {
            measure: list(found[index] or [None] * len(fractions)) for index, measure in enumerate(measures)
        }
        if key == ALL or any(value is not None for values in by_measure.values() for value in values):
            result[key] = by_measure
    return result


def _in_python(rows, groups, measures, fractions):
    values = defaultdict(lambda: defaultdict(list))
    for row in rows.order_by().values_list(*groups, *measures):
        keys = [ALL, *zip(groups, row[: len(groups)], strict=True)]
        for measure, value in zip(measures, row[len(groups) :], strict=True):
            if value is not None:
                for key in keys:
                    values[key][measure].append(value)
    result = {ALL: _empty(measures, fractions)}
    for key, by_measure in values.items():
        result[key] = {
            measure: [percentile(sorted(by_measure[measure]), fraction) for fraction in fractions]
            for measure in measures
        }
    return result


def _empty(measures, fractions):
    return {measure: [None] * len(fractions) for measure in measures}
