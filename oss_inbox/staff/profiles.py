"""A person's own settings (StaffProfile), read with defaults for people who never saved any."""

from .models import StaffProfile


def profile_of(user) -> StaffProfile:
    """The user's profile, unsaved with the defaults when they have none yet."""
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return StaffProfile(user=user)
