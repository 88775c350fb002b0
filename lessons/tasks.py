from django_tasks import task


@task()
def sync_recording_privacy(lesson_id: int):
    """Serve a lesson's recording only to signed-in users while the lesson is members-only."""
    from .services import sync_recording_privacy as sync

    return sync(lesson_id)
