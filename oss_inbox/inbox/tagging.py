"""Tags typed by agents, on the ticket page and in the bulk bar: one clean form of a name, and who may create
one."""

from oss_inbox.cached import cached_list
from oss_inbox.tickets.models import Tag

TAG_NAMES_KEY = "tickets:tag-names"
TAG_LENGTH = Tag._meta.get_field("name").max_length


def tag_name(raw):
    """The name as stored: spaces collapsed, at most 50 characters."""
    return " ".join(raw.split())[:TAG_LENGTH].rstrip()


def tag_names():
    """Every tag's name, for the pickers and the queue's filter; cached until a tag changes."""
    return cached_list(TAG_NAMES_KEY, lambda: Tag.objects.values_list("name", flat=True))


def tag_refused(user, name):
    """Why `user` may not put the tag `name` on a ticket, or "" when they may."""
    if not name:
        return "Type the tag to add."
    if not user.has_perm("tickets.add_tag") and name not in tag_names():
        return f"There is no tag called {name}, and you may not create tags."
    return ""
