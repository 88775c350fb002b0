import datetime

import factory
import wagtail_factories
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from .models import (
    LessonAttachment,
    LessonCaption,
    LessonChapter,
    LessonIndexPage,
    LessonPage,
    LessonRelatedLesson,
    LessonSeriesPage,
    LessonSpeaker,
    Speaker,
    SpeakerRole,
)


class SpeakerFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"主讲人{n}")
    role = SpeakerRole.SECRETARY
    organisation = factory.Sequence(lambda n: f"大连市第{n}党支部")
    bio = "长期从事基层党建工作。"

    class Meta:
        model = Speaker


class LessonIndexPageFactory(wagtail_factories.PageFactory):
    title = "党课"
    slug = "lessons"
    intro = "全部党课"

    class Meta:
        model = LessonIndexPage


class LessonSeriesPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"系列{n}")
    intro = "系列简介"

    class Meta:
        model = LessonSeriesPage


class LessonPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"党课第{n}讲")
    date_given = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(days=n))
    summary = "学习贯彻党的创新理论。"
    transcript = "[00:00] 同志们好。\n[00:05] 今天我们讲红色故事。"

    class Meta:
        model = LessonPage


class DocumentFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"课件{n}")
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 demo", name="slides.pdf"))

    class Meta:
        model = get_document_model()


class LessonSpeakerFactory(factory.django.DjangoModelFactory):
    speaker = factory.SubFactory(SpeakerFactory)

    class Meta:
        model = LessonSpeaker


class LessonChapterFactory(factory.django.DjangoModelFactory):
    start = factory.Sequence(lambda n: n * 30)
    title = factory.Sequence(lambda n: f"第{n}部分")

    class Meta:
        model = LessonChapter


class LessonCaptionFactory(factory.django.DjangoModelFactory):
    document = factory.SubFactory(
        DocumentFactory, file=factory.LazyFunction(lambda: ContentFile(b"WEBVTT\n\n", name="captions.vtt"))
    )

    class Meta:
        model = LessonCaption


class LessonAttachmentFactory(factory.django.DjangoModelFactory):
    document = factory.SubFactory(DocumentFactory)

    class Meta:
        model = LessonAttachment


class LessonRelatedLessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonRelatedLesson
