"""django-tasks on RQ, where an enqueue while Redis is down does not fail the request.

The change that asked for the task is already committed (tasks are enqueued after commit), so a 500
would only hide a saved page from the editor. The enqueue is logged and answered with a FAILED
result; the periodic recovery sweeps (cms.periodic) queue the work again from the database state
once Redis is back: search index entries behind their pages, recordings waiting for a transcode,
reminders not yet sent."""

from __future__ import annotations

import logging
import traceback

from django.utils import timezone
from django_tasks.base import TaskError, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend

from .cache import REDIS_DOWN

logger = logging.getLogger(__name__)


class ResilientRQBackend(RQBackend):
    def enqueue(self, task, args, kwargs):
        try:
            return super().enqueue(task, args, kwargs)
        except REDIS_DOWN as exc:
            logger.warning("task %s not queued, Redis unavailable (%s: %s); a recovery sweep queues it again",
                           task.module_path, type(exc).__name__, exc)
            now = timezone.now()
            return TaskResult(
                task=task,
                id=get_random_id(),
                status=TaskResultStatus.FAILED,
                enqueued_at=None,
                started_at=None,
                last_attempted_at=now,
                finished_at=now,
                args=args,
                kwargs=kwargs,
                backend=self.alias,
                errors=[TaskError(exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
                                  traceback="".join(traceback.format_exception(exc)))],
                worker_ids=[],
            )
