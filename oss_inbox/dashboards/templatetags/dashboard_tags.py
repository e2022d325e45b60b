from django import template

register = template.Library()


@register.filter
def span_words(delta):
    """A wait as people say it: "2d 3h", "3h 12m", "12m"."""
    if delta is None:
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


@register.filter
def share_percent(share):
    return "—" if share is None else f"{share * 100:.1f}%"


@register.filter
def touch_time(delta):
    """A time to first touch: "40s" under a minute, else as span_words; "—" for none."""
    if delta is None:
        return "—"
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds}s" if seconds < 60 else span_words(delta)
