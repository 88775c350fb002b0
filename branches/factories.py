"""Factories for tests and benchmarks. Organisations are tree nodes, so they are made through
add_root/add_child (see `organisation()`), not a plain factory."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from .models import (
    Assignment,
    Member,
    Organisation,
    OrganisationKind,
    Role,
    Session,
    SessionStatus,
    SessionType,
)


def organisation(
    code, *, parent=None, kind=OrganisationKind.BRANCH, name=None, established_on=dt.date(2000, 1, 1)
):
    fields = {"code": code, "name": name or code, "kind": kind, "established_on": established_on}
    return parent.add_child(**fields) if parent is not None else Organisation.add_root(**fields)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    code = factory.Sequence(lambda n: f"M{n:06d}")
    name = factory.Sequence(lambda n: f"党员{n}")
    role = Role.MEMBER
    phone = "13912345678"


def session_type(slug) -> SessionType:
    return SessionType.objects.get(slug=slug)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    session_type = factory.LazyFunction(lambda: SessionType.objects.get(slug="theme-day"))
    topic = factory.Sequence(lambda n: f"会议{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    status = SessionStatus.PLANNED


class AssignmentFactory(factory.django.DjangoModelFactory):
    """AssignmentFactory(organisation=org, lessons=[lesson, ...])."""

    class Meta:
        model = Assignment
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"学习任务{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))

    @factory.post_generation
    def lessons(self, create, extracted, **kwargs):
        if create and extracted:
            self.lessons.set(extracted)


def progress(user, lesson, *, seconds: float, completed: bool = False):
    """A member's LessonProgress row on a lesson as the player would have left it."""
    from lessons.models import LessonProgress

    duration = lesson.recording.duration if lesson.recording_id else None
    return LessonProgress.objects.update_or_create(
        user=user,
        lesson=lesson,
        defaults={
            "played_seconds": seconds,
            "played_ranges": [[0, seconds]] if seconds else [],
            "position": seconds,
            "duration": duration,
            "completed_at": timezone.now() if completed else None,
        },
    )[0]
