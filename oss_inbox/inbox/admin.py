from django.contrib import admin

from .models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["name", "channel_kind"]
    list_filter = ["channel_kind"]
    search_fields = ["name", "text"]
