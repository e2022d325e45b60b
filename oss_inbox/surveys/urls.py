from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("<str:token>/", views.survey_page, name="survey"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
    path("<str:token>/<int:rating>/", views.survey_page, name="rate"),
]
