"""Plain Django views: exports, the JSON API, near me, QR plaques. Pages render through Wagtail."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from security.public_urls import page_url, public_origin

from .models import RoutePage, SitePage
from .services import api, exports, listing, nearby, qr
from .services import routes as route_services


def _visible_page(model, pk, request):
    """A live page the request may see (view restrictions honoured), or 404."""
    page = model.objects.live().filter(pk=pk).first()
    if page is None:
        raise Http404("页面不存在或未发布")
    for restriction in page.get_view_restrictions():
        if not restriction.accept_request(request):
            raise Http404("页面不存在或未发布")
    return page


def _base_url(request) -> str:
    return public_origin(request)


def _download_name(route, extension: str) -> str:
    return f"route-{route.pk}.{extension}"


@require_GET
def route_geojson(request, route_id: int):
    route = _visible_page(RoutePage, route_id, request)
    summary = route_services.summarise(route, with_status=False)
    body = json.dumps(exports.route_geojson(route, summary, base_url=_base_url(request)), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(route, "geojson")}"'
    return response


@require_GET
def route_gpx(request, route_id: int):
    route = _visible_page(RoutePage, route_id, request)
    summary = route_services.summarise(route, with_status=False)
    response = HttpResponse(
        exports.route_gpx(route, summary, base_url=_base_url(request)),
        content_type="application/gpx+xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_download_name(route, "gpx")}"'
    return response


@require_GET
def api_route_list(request):
    """All published public routes; ?district=, ?theme= and ?duration= filter as the index page does."""
    filters, errors = listing.parse_filters(request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
    cards = listing.filter_cards(
        listing.route_cards(RoutePage.objects.live().public().order_by("path")), **filters
    )
    items = [api.route_brief(card.page, card.summary, request) for card in cards]
    return JsonResponse({"count": len(items), "results": items}, json_dumps_params={"ensure_ascii": False})


@require_GET
def api_route_detail(request, route_id: int):
    route = _visible_page(RoutePage, route_id, request)
    data = api.route_detail(route, route_services.summarise(route), request)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
def near_me(request):
    query, errors = nearby.parse_query(request.GET)
    results = nearby.nearest_sites(query["lat"], query["lon"], query["km"]) if query else []
    if request.GET.get("format") == "json":
        if errors:
            return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
        return JsonResponse(
            {
                "query": query,
                "results": [
                    {
                        "id": r.site.pk,
                        "name": r.site.title,
                        "district": r.site.district,
                        "address": r.site.address,
                        "distance_km": round(r.distance_km, 3),
                        "url": page_url(r.site, request),
                    }
                    for r in results
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    context = {
        "query": query,
        "errors": errors,
        "results": results,
        "values": {k: request.GET.get(k, "") for k in ("lat", "lon", "km")},
        "default_km": settings.ROUTES_NEAR_DEFAULT_KM,
    }
    return render(request, "routes/near_me.html", context, status=400 if errors else 200)


@require_GET
def site_qr_svg(request, site_id: int):
    site = _visible_page(SitePage, site_id, request)
    svg = qr.site_qr_svg(page_url(site, request), title=site.title)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="site-{site.pk}-qr.svg"'
    return response


@require_GET
def site_qr_png(request, site_id: int):
    site = _visible_page(SitePage, site_id, request)
    return HttpResponse(qr.site_qr_png(page_url(site, request)), content_type="image/png")


@require_GET
def site_plaque(request, site_id: int):
    site = _visible_page(SitePage, site_id, request)
    full_url = page_url(site, request)
    context = {
        "site": site,
        "full_url": full_url,
        "qr_svg": qr.site_qr_svg(full_url, scale=10, title=site.title),
    }
    return render(request, "routes/site_plaque.html", context)
