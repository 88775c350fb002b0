import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from branches.factories import SessionFactory, session_type
from branches.models import SessionReminder
from branches.services.reminders import queue_due_reminders, send_reminders
from branches.wagtail_hooks import queue_session_reminders

pytestmark = pytest.mark.django_db


def test_reminders_sent_once_to_invited_members(tree, people, settings, django_capture_on_commit_callbacks):
    settings.BRANCHES_REMINDER_DAYS_BEFORE = 2
    now = timezone.now()
    soon = SessionFactory(branch=tree.a, topic="快开了", starts_at=now + dt.timedelta(days=1))
    SessionFactory(branch=tree.a, topic="还早", starts_at=now + dt.timedelta(days=5))
    SessionFactory(branch=tree.a, topic="取消了", starts_at=now + dt.timedelta(days=1), status="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        queue_session_reminders()  # the worker's periodic hook; the test backend runs the task on commit
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # The secretary's and member's addresses come from their accounts, the probationary member's from the roll.
    assert recipients == ["mem@example.org", "p@example.org", "sec@example.org"]
    assert all("快开了" in message.subject for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_reminders() == 0  # already claimed
    assert send_reminders(soon.pk) == 0  # even a re-run task sends nothing twice
    assert len(mail.outbox) == 3 and SessionReminder.objects.count() == 3


def test_committee_meeting_reminds_committee_only(tree, people):
    meeting = SessionFactory(branch=tree.a, session_type=session_type("committee-meeting"),
                             starts_at=timezone.now() + dt.timedelta(hours=5))
    assert send_reminders(meeting.pk) == 1
    assert mail.outbox[0].to == ["sec@example.org"]
