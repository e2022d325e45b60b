"""Percentiles by linear interpolation between closest ranks, the same on every database.

The method is PostgreSQL's percentile_cont (and numpy's default): for n sorted values and a
fraction p, take the position h = p * (n - 1); the result is x[floor h] + (h - floor h) *
(x[ceil h] - x[floor h]), in float8, in that order. Only the values at ranks floor h and ceil h
matter, so sorting everything is not needed:

- PostgreSQL, given the time column the rows are chosen by (`over`): an exact two-pass selection
  (`_two_pass`). A sample (evenly spaced thin time slices of the range, through the time index)
  guesses, per group, measure and fraction, a narrow window of values that should hold the wanted
  ranks. One scan of the range, grouped by the group fields, then counts exactly the values below
  each window and collects the values inside. The ranks are then looked up in the few collected
  values - exact whatever the sample was; a rank outside its window (a sample unlucky past four
  standard errors) falls back to percentile_cont. No sort of the range, one scan for every
  measure and group: half the CPU of percentile_cont over GROUPING SETS for a year at 1M facts
  (docs/BENCHMARKS.md). Group values sampled too rarely for windows of their own have all their
  values read by a second, filtered query. A range of fewer than ~64,000 facts is sorted instead.
- PostgreSQL without `over`, or a small range: percentile_cont over GROUPING SETS, in one query.
- Elsewhere (SQLite) the values are fetched and the same arithmetic runs here, in the same float
  order, so every path gives identical numbers.
"""

import bisect
import math
from collections import defaultdict
from itertools import chain

from django.db import connection, transaction

from oss_inbox.stats import percentile  # noqa: F401 (the dashboards' callers import it from here)

FRACTIONS = (0.5, 0.9)
SORT_MEMORY = "64MB"
ALL = "all"
# The sample: this many evenly spaced slices of the range, together this share of it.
SAMPLE_SLICES = 64
SAMPLE_SHARE = 1 / 32
# A window spans the sample's ranks within this many standard errors of the fraction (plus two
# values); a group value with fewer sampled values than SAMPLE_ENOUGH has all its values collected.
WINDOW_ERRORS = 4
SAMPLE_ENOUGH = 40
# Under this many sampled rows (~64,000 in the range) sorting costs less CPU than the selection:
# measured 0.96x at 45,000 facts, 0.68x at 112,000, 0.64x at 450,000 (docs/BENCHMARKS.md).
SAMPLE_WORTH = 2000


def percentiles_by(rows, groups, measures, fractions=FRACTIONS, *, over=None, shown=None):
    """Percentiles of each measure over a queryset's rows, in all and per value of each group field.

    Returns {ALL: {measure: [one per fraction]}, (group field, value): {...}, ...}. NULL measures
    are left out, as percentile_cont does; a group with no values has no key. `over`: (time
    field, start, end) when the rows are those of [start, end) by an indexed time field: lets
    PostgreSQL select the ranks instead of sorting (same numbers). `shown`: {group field:
    {measure: fractions}} when a group field's groups need less than every measure and fraction
    (the page shows agents' median first response only); their lists hold only those.
    """
    groups, measures, shown = list(groups), list(measures), shown or {}
    if connection.vendor == "postgresql":
        if over is not None:
            return _two_pass(rows, groups, measures, fractions, over, shown)
        return _restricted(_in_database(rows, groups, measures, fractions), fractions, shown)
    return _restricted(_in_python(rows, groups, measures, fractions), fractions, shown)


def _wanted(key, measure, fractions, shown):
    """The fractions wanted of a measure in a group."""
    if key == ALL or key[0] not in shown:
        return fractions
    return tuple(fraction for fraction in fractions if fraction in shown[key[0]].get(measure, ()))


def _restricted(result, fractions, shown):
    """Only what `shown` asks for; a group left with no value has no key (as an empty one)."""
    if not shown:
        return result
    kept = {}
    for key, by_measure in result.items():
        chosen = {}
        for measure, values in by_measure.items():
            wanted = _wanted(key, measure, fractions, shown)
            if wanted:
                chosen[measure] = [
                    value for fraction, value in zip(fractions, values, strict=True) if fraction in wanted
                ]
        if key == ALL or any(value is not None for values in chosen.values() for value in values):
            kept[key] = chosen
    return kept


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


def _two_pass(rows, groups, measures, fractions, over, shown):
    """Exact selection on PostgreSQL: sample, then one counting scan (see the module's docstring)."""
    inner, params = rows.order_by().values(*groups, *measures).query.sql_with_params()
    sample = _sample(inner, params, rows.model, groups, measures, over)
    if (
        sum(row[len(groups)] for row in sample) < SAMPLE_WORTH
    ):  # a few tens of thousands of values sort faster than they scan
        return _restricted(_in_database(rows, groups, measures, fractions), fractions, shown)
    windows, enough = _windows(sample, groups, measures, fractions, shown)
    name = connection.ops.quote_name
    columns, column_params = [f"t.{name(group)}" for group in groups], []
    for measure in measures:
        column = f"t.{name(measure)}"
        columns.append(f"count({column})")
        for low, _ in windows[measure]:
            columns.append(f"count(*) FILTER (WHERE {column} < %s)")
            column_params.append(low)
        inside = " OR ".join(f"({column} BETWEEN %s AND %s)" for _ in windows[measure]) or "false"
        column_params += [bound for window in windows[measure] for bound in window]
        columns.append(f"array_agg({column}) FILTER (WHERE {inside})")
    grouping = ", ".join(f"t.{name(group)}" for group in groups)
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) t" + (f" GROUP BY {grouping}" if groups else "")
    with transaction.atomic(), connection.cursor() as cursor:
        # No plan worth compiling: JIT costs ~0.1 s here and saves nothing.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [*column_params, *params])
        found = cursor.fetchall()
    complete = _rarely_sampled(inner, params, found, groups, measures, enough)
    result = _select(found, groups, measures, fractions, windows, enough, shown, complete)
    if result is None:  # a wanted rank fell outside its window: sort, as before
        return _restricted(_in_database(rows, groups, measures, fractions), fractions, shown)
    return result


def _rarely_sampled(inner, params, found, groups, measures, enough):
    """{(group field, value): {measure: sorted values}} of the group values the scan met that the
    sample met too rarely to give them windows: all their values, read on their own (a condition
    per row in the scan costs more than this second read, and most views need none)."""
    name = connection.ops.quote_name
    rare = [
        {row[index] for row in found}
        - set.intersection(
            *[set(enough[measure][index]) for measure in measures if enough[measure][index] is not None]
            or [set()]
        )
        for index in range(len(groups))
    ]
    rare = [
        values if any(enough[measure][index] is not None for measure in measures) else set()
        for index, values in enumerate(rare)
    ]
    if not any(rare):
        return {}
    chosen = [index for index, values in enumerate(rare) if values]
    where = " OR ".join(f"t.{name(groups[index])} = ANY(%s)" for index in chosen)
    sql = f"SELECT * FROM ({inner}) t WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *[list(rare[index]) for index in chosen]])
        rows = cursor.fetchall()
    complete = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for index in chosen:
            if row[index] in rare[index]:
                for measure, value in zip(measures, row[len(groups) :], strict=True):
                    if value is not None:
                        complete[(groups[index], row[index])][measure].append(value)
    return {key: {measure: sorted(values) for measure, values in by.items()} for key, by in complete.items()}


def _sample(inner, params, model, groups, measures, over):
    """[(group values..., facts sampled, [sorted values] per measure...)]: the facts in
    SAMPLE_SLICES thin slices of the range, one row per combination of group values (sorted and
    grouped in the database: a few rows to read instead of one per sampled fact)."""
    field, start, end = over
    name = connection.ops.quote_name
    column = f"{name(model._meta.db_table)}.{name(model._meta.get_field(field).column)}"
    step, width = (end - start) / SAMPLE_SLICES, (end - start) * SAMPLE_SHARE / SAMPLE_SLICES
    columns = [f"s.{name(group)}" for group in groups] + ["count(*)"]
    for measure in measures:
        value = f"s.{name(measure)}"
        columns.append(f"array_agg({value} ORDER BY {value}) FILTER (WHERE {value} IS NOT NULL)")
    grouping = ", ".join(f"s.{name(group)}" for group in groups)
    # Each slice is its own range condition on the time column, so each reads only its slice of
    # the index (an OR of slices would read the whole range). OFFSET 0 keeps the subquery a
    # subquery: flattened into a join, the planner reads the whole range against every slice.
    sql = (
        f"SELECT {', '.join(columns)} FROM generate_series(0, {SAMPLE_SLICES - 1}) AS slice(number),"
        f" LATERAL ({inner} AND {column} >= %s::timestamptz + slice.number * %s::interval"
        f" AND {column} < %s::timestamptz + slice.number * %s::interval + %s::interval OFFSET 0) s"
    ) + (f" GROUP BY {grouping}" if groups else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, step, start, step, width])
        return [row for row in cursor.fetchall() if row[len(groups)]]


def _windows(sample, groups, measures, fractions, shown):
    """({measure: [(low, high)] merged}, {measure: [per group field: the set of its well-sampled
    values, or None when its groups want nothing of the measure]})."""
    parts = defaultdict(list)  # key: [the sample's rows of its group values]
    for row in sample:
        for key in [ALL, *zip(groups, row[: len(groups)], strict=True)]:
            parts[key].append(row[len(groups) + 1 :])
    by_group = {
        key: {
            measure: sorted(chain.from_iterable(row[index] or () for row in rows))
            for index, measure in enumerate(measures)
        }
        for key, rows in parts.items()
    }
    windows, enough = {}, {}
    for measure in measures:
        spans = []
        for key, values in by_group.items():
            found = values[measure]
            if key != ALL and len(found) < SAMPLE_ENOUGH:
                continue
            for fraction in _wanted(key, measure, fractions, shown):
                if not found:
                    continue
                error = WINDOW_ERRORS * math.sqrt(fraction * (1 - fraction) / len(found)) + 2 / len(found)
                low = math.floor(max(fraction - error, 0) * (len(found) - 1))
                high = math.ceil(min(fraction + error, 1) * (len(found) - 1))
                # The ends stay open: a window at the bottom or top takes everything beyond.
                spans.append(
                    (found[low] if low > 0 else -(2**31), found[high] if high < len(found) - 1 else 2**31)
                )
        windows[measure] = _merged(spans)
        enough[measure] = [
            {
                key[1]
                for key, values in by_group.items()
                if key != ALL and key[0] == group and len(values[measure]) >= SAMPLE_ENOUGH
            }
            if _wanted((group, None), measure, fractions, shown)
            else None
            for group in groups
        ]
    return windows, enough


def _merged(spans):
    merged = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _select(found, groups, measures, fractions, windows, enough, shown, complete):
    """Percentiles from the counting scan's rows, or None when a wanted rank is not in a window."""
    parts = defaultdict(list)  # key: [the scan's rows of its group values]
    for row in found:
        # Each row's values sorted once: each group's are then merged from sorted runs (cheap).
        rest = [sorted(value) if isinstance(value, list) else value for value in row[len(groups) :]]
        for key in [ALL, *zip(groups, row[: len(groups)], strict=True)]:
            parts[key].append(rest)
    result = {ALL: _empty(measures, fractions)}
    for key, rows in parts.items():
        wanted = {measure: _wanted(key, measure, fractions, shown) for measure in measures}
        by_measure, offset = {}, 0
        for measure in measures:
            spans = windows[measure]
            count = sum(row[offset] for row in rows)
            below = [sum(row[offset + 1 + index] for row in rows) for index in range(len(spans))]
            arrays = [row[offset + 1 + len(spans)] or () for row in rows]
            offset += 2 + len(spans)
            if not wanted[measure]:
                continue
            collected = sorted(chain.from_iterable(arrays))
            if key != ALL and key[1] not in enough[measure][groups.index(key[0])]:
                collected = complete.get(key, {}).get(measure, [])
                if len(collected) != count:
                    return None
                spans, below = [(-(2**31), 2**31)], [0]  # every value: one window over all
            answers = []
            for fraction in wanted[measure]:
                if not count:
                    answers.append(None)
                    continue
                position = fraction * (count - 1)
                pair = [
                    _at_rank(rank, spans, below, collected)
                    for rank in (math.floor(position), math.ceil(position))
                ]
                if None in pair:
                    return None
                low, high = float(pair[0]), float(pair[1])
                answers.append(low + (high - low) * (position - math.floor(position)))
            by_measure[measure] = answers
        if key == ALL or any(value is not None for values in by_measure.values() for value in values):
            result[key] = by_measure
    return result


def _at_rank(rank, spans, below, collected):
    """The value of 0-based `rank` if it falls inside a window, else None. `collected` is sorted
    and holds every value inside the windows (and perhaps others: those of rarely sampled groups)."""
    for (low, high), under in zip(spans, below, strict=True):
        first = bisect.bisect_left(collected, low)
        if under <= rank < under + bisect.bisect_right(collected, high) - first:
            return collected[first + rank - under]
    return None
