from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("gazetteer/", views.gazetteer, name="gazetteer"),
    path("gazetteer/upload/", views.gazetteer_upload, name="gazetteer_upload"),
    path("outage-feeds/", views.feeds, name="feeds"),
    path("outage-feeds/add/", views.feed_add, name="feed_add"),
    path("outage-feeds/link/", views.feed_link, name="feed_link"),
    path("outage-feeds/<int:feed_id>/", views.feed_edit, name="feed_edit"),
    path("outage-feeds/<int:feed_id>/enabled/", views.feed_toggle, name="feed_toggle"),
    path("outage-feeds/<int:feed_id>/poll/", views.feed_poll_now, name="feed_poll"),
]
