from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard, name="page"),
    path("export/<slug:slug>.csv", views.export, name="export"),
]
