"""How lessons and series become search documents (see search/registry.py)."""

from __future__ import annotations

from search.registry import DocumentType, SearchDocument, TranscriptCue, page_audience, register, stream_text

from .models import LessonPage, LessonSeriesPage, Speaker, SpeakerRole


def lesson_document(page: LessonPage) -> SearchDocument | None:
    page = LessonPage.objects.filter(pk=page.pk).live().select_related("series").first()
    if page is None:
        return None
    speakers = [link.speaker for link in page.lesson_speakers.select_related("speaker")]
    tags = [tag.name for tag in page.tags.all()]
    role_labels = dict(SpeakerRole.choices)
    audience = page_audience(page)
    if audience is None:
        return None
    fields = {
        "speakers": " ".join(f"{s.name} {s.organisation}" for s in speakers),
        "tags": " ".join(tags),
        "series": page.series.title if page.series else "",
    }
    # A plain transcript has no cues to seek to: its text is searched (and quoted) as body text.
    body = "\n".join(part for part in (stream_text(page.body), *page.transcript_paragraphs()) if part)
    return SearchDocument(
        doc_type="lesson",
        pk=page.pk,
        title=page.title,
        url=page.url or "",
        summary=page.summary,
        body=body,
        fields=fields,
        transcript=[TranscriptCue(start=cue.start, text=cue.text) for cue in page.transcript_cues()],
        facets={
            "series": [page.series.title] if page.series else [],
            "speaker_role": sorted({role_labels[s.role] for s in speakers}),
            "topic": tags,
            "year": [str(page.date_given.year)],
        },
        audience=audience,
        published_at=page.date_given,
        suggest=[page.title, *[s.name for s in speakers]],
    )


def series_document(page: LessonSeriesPage) -> SearchDocument | None:
    page = LessonSeriesPage.objects.filter(pk=page.pk).live().first()
    audience = page_audience(page) if page is not None else None
    if audience is None:
        return None
    return SearchDocument(
        doc_type="series",
        pk=page.pk,
        title=page.title,
        url=page.url or "",
        summary=page.intro,
        facets={"series": [page.title]},
        audience=audience,
        published_at=page.last_published_at,
        suggest=[page.title],
    )


def register_document_types():
    register(
        DocumentType(
            name="lesson",
            label="党课",
            model=LessonPage,
            build=lesson_document,
            queryset=lambda: LessonPage.objects.live(),
            dictionary_terms=lambda: Speaker.objects.values_list("name", flat=True),
            # A lesson's document shows its speakers and its series' title.
            depends_on={
                Speaker: lambda speaker: LessonPage.objects.filter(lesson_speakers__speaker=speaker).distinct(),
                LessonSeriesPage: lambda series: LessonPage.objects.filter(series=series),
            },
        )
    )
    register(
        DocumentType(
            name="series",
            label="党课系列",
            model=LessonSeriesPage,
            build=series_document,
            queryset=lambda: LessonSeriesPage.objects.live(),
        )
    )
