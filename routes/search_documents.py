"""How routes and sites become search documents (see search/registry.py)."""

from __future__ import annotations

from search.registry import DocumentType, SearchDocument, page_audience, register, stream_text


def site_document(site) -> SearchDocument | None:
    if not site.live:
        return None
    audience = page_audience(site)
    if audience is None:
        return None
    return SearchDocument(
        doc_type="site",
        pk=site.pk,
        title=site.title,
        url=site.url or "",
        summary=site.summary or f"{site.get_category_display()} · {site.district} · {site.address}",
        body=stream_text(site.description),
        fields={"address": site.address, "category": site.get_category_display()},
        facets={"district": [site.district]},
        audience=audience,
        published_at=site.first_published_at,
        suggest=[site.title],
        location=(site.latitude, site.longitude),
    )


def route_document(route) -> SearchDocument | None:
    if not route.live:
        return None
    audience = page_audience(route)
    if audience is None:
        return None
    stops = route.ordered_stops()
    site_names = [stop.site.title for stop in stops]
    districts = list(dict.fromkeys(stop.site.district for stop in stops))
    return SearchDocument(
        doc_type="route",
        pk=route.pk,
        title=route.title,
        url=route.url or "",
        summary=route.introduction,
        body=stream_text(route.body),
        fields={"sites": "、".join(site_names), "theme": route.get_theme_display()},
        facets={"district": districts},
        audience=audience,
        published_at=route.first_published_at,
        suggest=[route.title],
    )


def _site_names():
    from .models import SitePage

    return SitePage.objects.live().values_list("title", flat=True)


def register_document_types() -> None:
    from .models import RoutePage, SitePage

    register(
        DocumentType(
            name="route",
            label="红色线路",
            model=RoutePage,
            build=route_document,
            queryset=lambda: RoutePage.objects.live(),
            # A route's document lists its sites' names and districts.
            depends_on={SitePage: lambda site: RoutePage.objects.filter(stops__site=site).distinct()},
        )
    )
    register(
        DocumentType(
            name="site",
            label="红色基地",
            model=SitePage,
            build=site_document,
            queryset=lambda: SitePage.objects.live(),
            dictionary_terms=_site_names,
        )
    )
