import os
import socket

from django_tasks import task


@task()
def worker_probe(token: str) -> dict:
    """Round trip through the queue: `manage.py check_worker` enqueues it and waits for the answer."""
    return {"token": token, "hostname": socket.gethostname(), "pid": os.getpid()}
