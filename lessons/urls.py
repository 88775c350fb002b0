from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("api/v1/progress/", views.progress, name="progress"),
    path("lessons/live/<int:pk>.ics", views.live_calendar, name="live_calendar"),
    path("me/learning/", views.my_learning, name="my_learning"),
    path("me/learning/export.csv", views.my_learning_csv, name="my_learning_csv"),
]
