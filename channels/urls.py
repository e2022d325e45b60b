from django.urls import path

from . import console_views, views

app_name = "channels"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_edit, name="new"),
    path("console/", console_views.console, name="console"),
    path("<int:account_id>/", views.account_edit, name="edit"),
    path("<int:account_id>/toggle/", views.account_toggle, name="toggle"),
    path("<int:account_id>/check/", views.account_check, name="check"),
]
