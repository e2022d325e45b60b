"""Django admin for people: names and email only. Roles, access and invitations live on the People
page (people.py), whose rules Django admin would otherwise bypass: the last active admin cannot be
removed, an admin cannot demote or deactivate themselves, nobody is deleted, every change is recorded.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

User = get_user_model()

# What only the People page changes: shown here, never saved from here.
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")

admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    readonly_fields = (*ACCESS_FIELDS, "last_login", "date_joined")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        page = reverse("people:person", args=[obj.pk])
        where = format_html(
            "Role, access and sign-in are changed on the People page, which keeps the team's rules "
            "(the last active admin stays; nobody demotes or deactivates themselves) and records who "
            'changed what: <a href="{}">{}\'s page on People</a>.',
            page,
            obj.get_full_name() or obj.get_username(),
        )
        return [
            *[
                fieldset
                for fieldset in super().get_fieldsets(request, obj)
                if "is_active" not in fieldset[1]["fields"]
            ],
            ("Role and access (read-only here)", {"fields": ACCESS_FIELDS, "description": where}),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """People join by invitation on the People page (a role, a capacity, a mail to set a password)."""
        messages.info(
            request, "Invite people on the People page: they get a role and a mail to set their password."
        )
        return redirect(f"{reverse('people:list')}#invite-title")

    def has_delete_permission(self, request, obj=None):
        return False  # nobody is deleted: deactivate them on the People page
