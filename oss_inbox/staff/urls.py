from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
]
