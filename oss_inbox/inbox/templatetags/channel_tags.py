"""Templates read a channel's names and rules from its spec (channels/<kind>/spec.py)."""

from django import template

from channels.registry import spec_for

register = template.Library()


@register.filter
def channel_spec(kind):
    """The ChannelSpec of an account kind: `{% with spec=ticket.account.kind|channel_spec %}`."""
    return spec_for(kind)
