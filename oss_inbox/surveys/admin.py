from django.contrib import admin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only: surveys are sent and answered by the app."""

    list_display = ("ticket", "channel", "agent", "sent_at", "rating", "rated_at", "skipped_reason")
    list_filter = ("channel", "rating")
    search_fields = ("ticket__id", "comment")
    raw_id_fields = ("ticket", "agent", "message")
    exclude = ("token",)  # the link's key: whoever has it may answer for the customer

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
