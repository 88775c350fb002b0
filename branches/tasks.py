from django_tasks import task

from .services import reminders


@task()
def send_session_reminders(session_pk: int) -> int:
    return reminders.send_reminders(session_pk)
