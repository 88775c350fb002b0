from django_tasks import task

from . import services


@task(queue_name="transcode")
def transcode_recording(recording_id: int) -> str:
    """Probe and transcode one recording (by primary key; the lease makes a rerun harmless)."""
    return str(services.run_transcode_job(recording_id))
