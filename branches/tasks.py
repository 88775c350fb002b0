from django_tasks import task

from .services import reminders


@task()
def send_session_reminders(session_pk: int) -> int:
    return reminders.send_reminders(session_pk)


@task()
def delete_session_photo_file(name: str) -> bool:
    """Remove a deleted meeting photo's file from private storage, unless a photo uses it again."""
    from media.storage import originals_storage

    from .models import SessionPhoto

    if not name.startswith("branch-photos/") or SessionPhoto.objects.filter(file=name).exists():
        return False
    originals_storage.delete(name)
    return True
