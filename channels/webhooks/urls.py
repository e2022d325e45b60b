from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("meta/", views.meta, name="meta"),
    path("x/", views.x, name="x"),
]
