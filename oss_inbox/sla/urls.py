from django.urls import path

from . import policy_views, storm_views, views

app_name = "sla"
urlpatterns = [
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/new/", views.schedule_edit, name="schedule_new"),
    path("schedules/<int:schedule_id>/", views.schedule_edit, name="schedule"),
    path("sla-policies/", policy_views.policy_list, name="policies"),
    path("sla-policies/new/", policy_views.policy_edit, name="policy_new"),
    path("sla-policies/<int:policy_id>/", policy_views.policy_edit, name="policy"),
    path("sla-policies/<int:policy_id>/delete/", policy_views.policy_delete, name="policy_delete"),
    path("acknowledgements/", policy_views.acknowledgements, name="acknowledgements"),
    path("storm/", storm_views.storm_switch, name="storm"),
]
