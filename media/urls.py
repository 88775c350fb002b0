from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    path("recordings/<int:pk>/<slug:key>/<path:name>", views.rendition, name="rendition"),
    path("recordings/<int:pk>/original/", views.original, name="original"),
]
