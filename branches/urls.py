from django.urls import path

from .views import api, assignments, attendance, calendars, desk, member, planning, reports, sessions

app_name = "branches"
urlpatterns = [
    path("branches/", desk.home, name="home"),
    path("branches/desk/", desk.desk, name="desk"),
    path("branches/my/", member.my_sessions, name="my_sessions"),
    path("branches/plan/", planning.plan_year, name="plan_year"),
    path("branches/sessions/new/", sessions.session_create, name="session_create"),
    path("branches/sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("branches/sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("branches/sessions/<int:pk>/attendance/", attendance.mark_attendance, name="mark_attendance"),
    path("branches/sessions/<int:pk>/qr/", attendance.session_qr, name="session_qr"),
    path("branches/sessions/<int:pk>/qr.json", attendance.session_qr_code, name="session_qr_code"),
    path("branches/sessions/<int:pk>/leave/", member.leave_request, name="leave_request"),
    path("branches/photos/<int:pk>/", sessions.session_photo, name="session_photo"),
    path("branches/sessions/<int:pk>/<slug:action>/", sessions.session_action, name="session_action"),
    path("branches/sign-in/<str:token>/", attendance.sign_in, name="sign_in"),
    path("branches/leave/<int:pk>/<slug:decision>/", attendance.leave_decide, name="leave_decide"),
    path("branches/register/<int:year>/", reports.register_page, name="register"),
    path("branches/register/<int:year>.xlsx", reports.register_xlsx, name="register_xlsx"),
    path("branches/report/", reports.report, name="report"),
    path("branches/report.csv", reports.report_csv, name="report_csv"),
    path("branches/calendar/", calendars.feeds, name="feeds"),
    path("branches/calendar/<str:token>.ics", calendars.calendar_feed, name="calendar_feed"),
    path("branches/plan-visit/<int:route_id>/", planning.plan_visit, name="plan_visit"),
    path("branches/api/sessions/", api.api_sessions, name="api_sessions"),
    path("branches/assignments/", assignments.assignment_list, name="assignments"),
    path("branches/assignments/new/", assignments.assignment_create, name="assignment_create"),
    path("branches/assignments/lessons/", assignments.assignment_lesson_search, name="assignment_lesson_search"),
    path("branches/assignments/<int:pk>/", assignments.assignment_detail, name="assignment_detail"),
    path("branches/assignments/<int:pk>/edit/", assignments.assignment_edit, name="assignment_edit"),
    path("branches/assignments/<int:pk>/delete/", assignments.assignment_delete, name="assignment_delete"),
    path(
        "branches/assignments/<int:pk>/rates.<str:fmt>",
        assignments.assignment_export,
        name="assignment_export",
    ),
    path(
        "branches/assignments/<int:pk>/nudge/<int:member_pk>/",
        assignments.assignment_nudge,
        name="assignment_nudge",
    ),
    path("branches/api/assignments/mine/", assignments.api_my_assignments, name="api_my_assignments"),
    path(
        "branches/api/assignments/<int:pk>/rates/",
        assignments.api_assignment_rates,
        name="api_assignment_rates",
    ),
]
