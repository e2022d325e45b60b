from django.urls import path

from . import dashboard_views, notice_views, update_views, views

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
]
