"""URL confs for the plan-a-visit link tests: one where `branches:plan_visit` resolves (a stand-in
for the branches app's view, listed first so it wins the namespace), one where it cannot."""

from django.http import HttpResponse
from django.urls import include, path

from cms.urls import urlpatterns as site_patterns


def plan_visit_stand_in(request, route_id):
    return HttpResponse(f"plan {route_id}")


with_plan_visit = [
    path(
        "",
        include(
            (
                [path("branches/plan-visit/<int:route_id>/", plan_visit_stand_in, name="plan_visit")],
                "branches",
            )
        ),
    ),
    *site_patterns,
]
without_plan_visit = [p for p in site_patterns if getattr(p, "namespace", None) != "branches"]


class WithPlanVisit:
    urlpatterns = with_plan_visit


class WithoutPlanVisit:
    urlpatterns = without_plan_visit
