"""Django admin for key-account records; the app's own pages are where account managers work."""

from django.contrib import admin

from .models import AccountEvent, AccountMail, JointPlan, Notice, PlanItem, ProgressUpdate


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

    list_display = ["subject", "address", "organization", "delivery_state", "attempts", "sent_at"]
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
