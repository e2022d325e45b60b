"""Percentiles as the dashboards and the post-event report give them, for both (neither imports the other)."""

import math


def percentile(sorted_values, fraction):
    """The percentile of already sorted numbers, or None when there are none: linear interpolation
    between closest ranks (PostgreSQL's percentile_cont, numpy's default)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low, high = float(sorted_values[lower]), float(sorted_values[upper])
    return low + (high - low) * (position - lower)
