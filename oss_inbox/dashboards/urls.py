from django.urls import path

from oss_inbox.keyaccounts import dashboard_views as key_account_views

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard, name="page"),
    path("export/<slug:slug>.csv", views.export, name="export"),
    path("key-accounts/", key_account_views.key_accounts, name="key_accounts"),
]
