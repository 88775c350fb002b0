from django_tasks import task

from .services import reminders


@task()
def send_session_reminders(session_pk: int) -> int:
    return reminders.send_reminders(session_pk)


@task()
def send_assignment_reminders(assignment_pk: int) -> int:
    from .services import assignments

    return assignments.send_due_reminders(assignment_pk)
