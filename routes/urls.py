from django.urls import path

from . import views

app_name = "routes"
urlpatterns = [
    path("routes/near/", views.near_me, name="near"),
    path("routes/<int:route_id>/route.geojson", views.route_geojson, name="route_geojson"),
    path("routes/<int:route_id>/route.gpx", views.route_gpx, name="route_gpx"),
    path("routes/sites/<int:site_id>/qr.svg", views.site_qr_svg, name="site_qr_svg"),
    path("routes/sites/<int:site_id>/qr.png", views.site_qr_png, name="site_qr_png"),
    path("routes/sites/<int:site_id>/plaque/", views.site_plaque, name="site_plaque"),
    path("api/v1/routes/", views.api_route_list, name="api_routes"),
    path("api/v1/routes/<int:route_id>/", views.api_route_detail, name="api_route_detail"),
]
