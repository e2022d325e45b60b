from django.contrib import admin

from .models import ChannelAccount


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
