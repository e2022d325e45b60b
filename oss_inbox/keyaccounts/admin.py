"""Django admin for key-account records; the app's own pages are where account managers work."""

from django.contrib import admin

from oss_inbox.tickets.admin import OrganizationAdmin
from oss_inbox.tickets.models import Organization

from .models import AccountEvent, AccountMail, JointPlan, KnownIdentity, Notice, PlanItem, ProgressUpdate


class KnownIdentityInline(admin.TabularInline):
    model = KnownIdentity
    extra = 1


# The organization (tickets) with what only key accounts have beside its email domains.
admin.site.unregister(Organization)


@admin.register(Organization)
class KeyAccountOrganizationAdmin(OrganizationAdmin):
    inlines = [*OrganizationAdmin.inlines, KnownIdentityInline]


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["kind", "text", "owner_side", "owner_name", "due_date", "status"]


@admin.register(JointPlan)
class JointPlanAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "agreed_on", "updated_at"]
    list_filter = ["year"]
    search_fields = ["organization__name"]
    inlines = [PlanItemInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "quarter", "status", "sent_at"]
    list_filter = ["status", "year", "quarter"]
    search_fields = ["organization__name", "subject"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "sender", "created_at"]
    list_filter = ["kind"]
    search_fields = ["subject"]


@admin.register(AccountMail)
class AccountMailAdmin(admin.ModelAdmin):
    """Read-only: mails are sent by the app; the admin is for looking into a failed delivery."""

    list_display = ["subject", "address", "organization", "delivery_state", "delivery_attempts", "sent_at"]
    list_filter = ["delivery_state"]
    search_fields = ["address", "subject", "message_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "summary", "actor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
