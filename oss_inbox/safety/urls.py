from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("", views.phrase_list, name="phrases"),
    path("phrases/<int:phrase_id>/", views.phrase_edit, name="phrase"),
    path("phrases/<int:phrase_id>/remove/", views.phrase_remove, name="phrase_remove"),
    path("changes/", views.phrase_changes, name="changes"),
    path("replies/", views.replies, name="replies"),
    path("replies/<slug:kind>/", views.replies, name="replies_of"),
    path("on-call/", views.on_call, name="on_call"),
]
