from django.urls import path

from . import critical_care_views, dashboard_views, notice_views, update_views, views

app_name = "keyaccounts"
urlpatterns = [
    path("", views.organization_list, name="organizations"),
    path("dashboard/", dashboard_views.key_accounts, name="dashboard"),
    path("new/", views.organization_edit, name="organization_new"),
    path("<int:organization_id>/", views.organization_page, name="organization"),
    path("<int:organization_id>/edit/", views.organization_edit, name="organization_edit"),
    path("<int:organization_id>/plan/", views.plan_current, name="plan_current"),
    path("<int:organization_id>/plans/<int:year>/", views.plan_page, name="plan"),
    path("<int:organization_id>/plans/<int:year>/items/", views.plan_item_add, name="plan_item_add"),
    path(
        "<int:organization_id>/plans/<int:year>/items/<int:item_id>/", views.plan_item_edit, name="plan_item"
    ),
    # Quarterly updates and notices (update_views.py, notice_views.py).
    path("<int:organization_id>/updates/write/", update_views.update_write, name="update_write"),
    path("updates/<int:update_id>/", update_views.update_page, name="update"),
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/new/", notice_views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", notice_views.notice_page, name="notice"),
    # Critical care: the register and who depends on power (critical_care_views.py).
    path("critical-care/", critical_care_views.critical_care, name="critical_care"),
    path("critical-care/import/", critical_care_views.register_import, name="critical_care_import"),
    path("critical-care/entries/", critical_care_views.entry_add, name="critical_care_add"),
    path(
        "critical-care/entries/<int:entry_id>/remove/",
        critical_care_views.entry_remove,
        name="critical_care_remove",
    ),
    path(
        "critical-care/contacts/<int:contact_id>/",
        critical_care_views.contact_flag,
        name="critical_care_contact",
    ),
    path(
        "critical-care/organizations/<int:organization_id>/",
        critical_care_views.organization_flag,
        name="critical_care_organization",
    ),
]
