from django.urls import path

from . import views

app_name = "branches"
urlpatterns = [
    path("branches/", views.home, name="home"),
    path("branches/desk/", views.desk, name="desk"),
    path("branches/my/", views.my_sessions, name="my_sessions"),
    path("branches/plan/", views.plan_year, name="plan_year"),
    path("branches/sessions/new/", views.session_create, name="session_create"),
    path("branches/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("branches/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("branches/sessions/<int:pk>/attendance/", views.mark_attendance, name="mark_attendance"),
    path("branches/sessions/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("branches/sessions/<int:pk>/qr.json", views.session_qr_code, name="session_qr_code"),
    path("branches/sessions/<int:pk>/leave/", views.leave_request, name="leave_request"),
    path("branches/sessions/<int:pk>/<slug:action>/", views.session_action, name="session_action"),
    path("branches/sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("branches/leave/<int:pk>/<slug:decision>/", views.leave_decide, name="leave_decide"),
    path("branches/register/<int:year>/", views.register_page, name="register"),
    path("branches/register/<int:year>.xlsx", views.register_xlsx, name="register_xlsx"),
    path("branches/report/", views.report, name="report"),
    path("branches/report.csv", views.report_csv, name="report_csv"),
    path("branches/calendar/", views.feeds, name="feeds"),
    path("branches/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("branches/plan-visit/<int:route_id>/", views.plan_visit, name="plan_visit"),
    path("branches/api/sessions/", views.api_sessions, name="api_sessions"),
]
