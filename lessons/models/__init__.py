from .documents import ProtectedLessonDocument
from .pages import (
    Audience,
    HomeDisplay,
    LessonAttachment,
    LessonCaption,
    LessonChapter,
    LessonIndexPage,
    LessonPage,
    LessonPageTag,
    LessonRelatedLesson,
    LessonSeriesPage,
    LessonSpeaker,
)
from .progress import GroupViewingCredit, LessonProgress
from .speakers import Speaker, SpeakerRole

__all__ = [
    "Audience",
    "GroupViewingCredit",
    "HomeDisplay",
    "LessonAttachment",
    "LessonCaption",
    "LessonChapter",
    "LessonIndexPage",
    "LessonPage",
    "LessonPageTag",
    "LessonProgress",
    "LessonRelatedLesson",
    "LessonSeriesPage",
    "LessonSpeaker",
    "ProtectedLessonDocument",
    "Speaker",
    "SpeakerRole",
]
