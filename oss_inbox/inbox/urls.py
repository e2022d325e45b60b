from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
]
