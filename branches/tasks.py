from django_tasks import task

from .services import attendance, reminders


@task()
def send_session_reminders(session_pk: int) -> int:
    return reminders.send_reminders(session_pk)


@task()
def sync_group_viewing(session_pk: int) -> None:
    """Bring a session's 集体学习 credits in line with it (queued when a session is deleted)."""
    attendance.sync_group_viewing(session_pk)


@task()
def send_assignment_reminders(assignment_pk: int) -> int:
    from .services import assignments

    return assignments.send_due_reminders(assignment_pk)


@task()
def make_photo_thumbnail(photo_pk: int) -> str:
    from .services import photos

    return photos.make_thumbnail(photo_pk)


@task()
def delete_session_photo_file(name: str) -> bool:
    """Remove a deleted meeting photo's file (or its thumbnail) from private storage, unless a photo
    uses it again."""
    from django.db.models import Q

    from media.storage import originals_storage

    from .models import SessionPhoto

    in_use = SessionPhoto.objects.filter(Q(file=name) | Q(thumbnail=name)).exists()
    if not name.startswith("branch-photos/") or in_use:
        return False
    originals_storage.delete(name)
    return True
