from django.urls import path, re_path

from . import live_views, views

app_name = "media"
urlpatterns = [
    path("recordings/<int:pk>/<slug:key>/<path:name>", views.rendition, name="rendition"),
    path("recordings/<int:pk>/original/", views.original, name="original"),
    # nginx-rtmp's callbacks (loopback only; the public nginx refuses /live/rtmp/).
    path("live/rtmp/publish", live_views.rtmp_publish, name="live_publish"),
    path("live/rtmp/publish-done", live_views.rtmp_publish_done, name="live_publish_done"),
    path("live/rtmp/update", live_views.rtmp_update, name="live_update"),
    re_path(r"^live/hls/(?P<name>[0-9a-f]{32})\.m3u8$", live_views.live_master, name="live_master"),
    re_path(
        r"^live/hls/(?P<stream>[0-9a-f]{32}_[a-z0-9]+)/(?P<filename>[A-Za-z0-9_.-]+)$",
        live_views.live_file, name="live_file",
    ),
    re_path(r"^live/(?P<name>[0-9a-f]{32})/status/$", live_views.live_status, name="live_status"),
]
