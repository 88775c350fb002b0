from django_tasks import task


@task(queue_name="privacy")  # never behind transcodes
def sync_recording_privacy(lesson_id: int):
    """Serve a lesson's recording, captions and attachments only to signed-in users while the lesson
    is members-only (captions and attachments move into a login-restricted document collection)."""
    from .services.privacy import sync_recording_privacy as sync

    return sync(lesson_id)
