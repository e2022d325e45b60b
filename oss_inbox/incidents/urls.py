from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("gazetteer/", views.gazetteer, name="gazetteer"),
    path("gazetteer/upload/", views.gazetteer_upload, name="gazetteer_upload"),
]
