from django_tasks import task

from . import services


@task(queue_name="transcode")
def transcode_recording(recording_id: int) -> str:
    """Probe and transcode one recording (by primary key; the lease makes a rerun harmless)."""
    return str(services.run_transcode_job(recording_id))


@task(queue_name="privacy")
def sync_recording_files(recording_id: int) -> bool:
    """Move a recording's files to the location its audience says, under a new key. On its own
    queue: a privacy switch never waits behind transcodes."""
    return services.sync_files_privacy(recording_id)


@task(queue_name="transcode")
def prepare_live_replay(live_id: int) -> str:
    """An ended live: concatenate its recorded parts and send them through the recording pipeline."""
    from . import live

    return live.prepare_replay(live_id)
