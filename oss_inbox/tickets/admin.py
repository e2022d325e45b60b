from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html

from .models import (
    Attachment,
    Contact,
    Identity,
    Message,
    Organization,
    OrganizationDomain,
    Tag,
    Ticket,
    TicketEvent,
    UnprocessedItem,
)
from .services import contact_merge


class OrganizationDomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "is_key_account", "tier", "account_manager", "backup_manager", "created_at"]
    list_filter = ["is_key_account", "tier"]
    list_select_related = ["account_manager", "backup_manager"]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganizationDomainInline]  # keyaccounts.admin adds its known identities


@admin.register(OrganizationDomain)
class OrganizationDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "organization"]
    search_fields = ["domain", "organization__name"]


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ["kind", "external_id", "handle", "display_name"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "merged_into", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "identities__handle", "identities__external_id"]
    raw_id_fields = ["merged_into"]
    inlines = [IdentityInline]
    actions = ["merge_contacts"]

    @admin.action(description="Merge selected contacts into one", permissions=["change"])
    def merge_contacts(self, request, queryset):
        contacts = list(queryset.filter(merged_into__isnull=True).order_by("pk"))
        if len(contacts) < 2:
            self.message_user(
                request, "Select at least two contacts that are not merged already.", messages.ERROR
            )
            return None
        survivor_id = request.POST.get("survivor")
        if survivor_id is None:
            return render(
                request,
                "admin/tickets/contact/merge.html",
                {
                    **self.admin_site.each_context(request),
                    "contacts": contacts,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        survivor = next((c for c in contacts if str(c.pk) == survivor_id), None)
        if survivor is None:
            self.message_user(request, "Choose which contact to keep.", messages.ERROR)
            return None
        for contact in contacts:
            if contact.pk != survivor.pk:
                contact_merge(source=contact, target=survivor, actor=request.user)
        self.message_user(
            request, f"Merged {len(contacts) - 1} contact(s) into {survivor}.", messages.SUCCESS
        )
        return None


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["kind", "external_id", "handle", "display_name", "contact"]
    list_filter = ["kind"]
    search_fields = ["external_id", "handle", "display_name"]
    raw_id_fields = ["contact"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ["direction", "kind", "external_id", "sent_at", "text", "delivery_state", "delivery_error"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the inbox's services, which record events and SLA."""

    list_display = ["id", "subject", "account", "contact", "status", "priority", "assignee", "sla_due_at"]
    list_filter = ["status", "priority", "account__kind", "is_key_account", "sla_state"]
    search_fields = ["id", "subject", "contact__name", "thread_key"]
    raw_id_fields = ["contact", "previous_ticket"]
    readonly_fields = [f.name for f in Ticket._meta.concrete_fields if f.name not in ("id",)]
    inlines = [MessageInline, EventInline]


@admin.display(description="Stored file")
def stored_file(attachment):
    """A link through the inbox's attachment view: there is no public media URL."""
    if not attachment.pk or not attachment.file:
        return "—"
    url = reverse("inbox:attachment", args=[attachment.message.ticket_id, attachment.pk])
    return format_html('<a href="{}">{}</a>', url, attachment.filename or "download")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["filename", "content_type", "size", "url", stored_file]
    readonly_fields = [stored_file]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "direction", "kind", "external_id", "sent_at", "delivery_state"]
    list_filter = ["direction", "kind", "delivery_state", "is_automatic"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["ticket", "author_identity", "author_user"]
    inlines = [AttachmentInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "message"]
    raw_id_fields = ["message"]
    fields = ["message", "filename", "content_type", "size", "url", stored_file]
    readonly_fields = [stored_file]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only."""

    list_display = ["created_at", "ticket", "kind", "actor"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnprocessedItem)
class UnprocessedItemAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "reason", "external_id", "error"]
    list_filter = ["reason", "account"]
    search_fields = ["external_id", "error"]
