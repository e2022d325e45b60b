from django import template

from ..notifications import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user):
    """How many notifications the user has not read yet (one indexed count)."""
    return unread_count(user) if user.is_authenticated else 0
