from django.urls import path

from . import console_views, views
from .moderation import views as moderation_views

app_name = "channels"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_edit, name="new"),
    path("console/", console_views.console, name="console"),
    path("moderation/", moderation_views.rule_list, name="moderation"),
    path("moderation/new/", moderation_views.rule_edit, name="moderation_new"),
    path("moderation/try/", moderation_views.rule_try, name="moderation_try"),
    path("moderation/<int:rule_id>/", moderation_views.rule_edit, name="moderation_edit"),
    path("moderation/<int:rule_id>/toggle/", moderation_views.rule_toggle, name="moderation_toggle"),
    path("<int:account_id>/", views.account_edit, name="edit"),
    path("<int:account_id>/toggle/", views.account_toggle, name="toggle"),
    path("<int:account_id>/check/", views.account_check, name="check"),
]
