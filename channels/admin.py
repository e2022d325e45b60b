from django.contrib import admin

from .models import ChannelAccount, WebhookDelivery


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "enabled", "last_success_at", "next_poll_at", "error_is_permanent"]
    list_filter = ["kind", "enabled", "error_is_permanent"]
    # Credentials are write-only in the app's own account pages; never echo them here. Settings
    # (where the account connects) change there too, where a new host asks for the secrets again
    # (channels/forms.py DESTINATIONS); here they could send the saved ones anywhere.
    exclude = ["credentials"]
    readonly_fields = [
        "settings",
        "lease_until",
        "last_success_at",
        "last_error",
        "last_error_at",
        "created_at",
    ]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """What each platform pushed and what became of it (channels/webhooks/): read only, as received."""

    list_display = [
        "received_at",
        "platform",
        "account",
        "target_id",
        "state",
        "items",
        "attempts",
        "outcome",
    ]
    list_filter = ["platform", "state"]
    search_fields = ["target_id", "outcome"]
    exclude = ["body"]  # bytes; the outcome says what it held
    readonly_fields = [
        "platform", "account", "target_id", "body_sha256", "received_at", "state", "processed_at", "attempts",
        "items", "outcome",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
