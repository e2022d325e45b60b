"""Django admin: incidents and outage reports to look at, for admins, until storm mode's own pages
exist (docs/storm.md). Read only: membership changes go through assign.py, the gazetteer through its
CSV (manage.py load_gazetteer or /settings/gazetteer/)."""

from django.contrib import admin

from .models import Area, Incident, IncidentTicket, IncidentUpdate, OutageReport, Place


class SeenByDashboards:
    """Seen by whoever sees the dashboards (admins are the staff among them); changed by no one here."""

    def has_module_permission(self, request):
        return request.user.has_perm("tickets.view_dashboards")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tickets.view_dashboards")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(SeenByDashboards, admin.ModelAdmin):
    pass


class UpdateInline(SeenByDashboards, admin.TabularInline):
    model = IncidentUpdate
    fields = ("created_at", "status", "etr", "text", "author")
    extra = 0


class TicketInline(SeenByDashboards, admin.TabularInline):
    model = IncidentTicket
    fields = ("ticket", "linked_by", "linked_by_user", "linked_at", "unlinked_at", "unlinked_by")
    raw_id_fields = ("ticket",)
    extra = 0


@admin.register(Incident)
class IncidentAdmin(ReadOnly):
    list_display = ("title", "area", "status", "proposed", "created_at", "etr", "restored_at")
    list_filter = ("status", "proposed")
    inlines = (UpdateInline, TicketInline)


@admin.register(OutageReport)
class OutageReportAdmin(ReadOnly):
    list_display = ("message_id", "ticket_id", "area", "matched", "received_at")
    list_filter = ("area",)
    readonly_fields = ("why", "places", "candidate_areas")


@admin.register(Area)
class AreaAdmin(ReadOnly):
    search_fields = ("name",)


@admin.register(Place)
class PlaceAdmin(ReadOnly):
    list_display = ("name", "kind", "town_key")
    list_filter = ("kind",)
    search_fields = ("name", "key")
