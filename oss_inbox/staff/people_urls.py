from django.urls import path

from . import people_views

app_name = "people"
urlpatterns = [
    path("", people_views.people_list, name="list"),
    path("<int:user_id>/", people_views.person_detail, name="person"),
]
