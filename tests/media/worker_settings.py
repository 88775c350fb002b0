"""Settings of a real `manage.py run_worker` process started by the fault tests: the test
settings, the database task queue, and the folders and database the test hands over."""

import os

from cms.settings.test import *  # noqa: F403
from cms.settings.test import TASK_QUEUES

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
MEDIA_ROOT = os.environ["DANGKE_TEST_MEDIA_ROOT"]
PRIVATE_MEDIA_ROOT = os.environ["DANGKE_TEST_PRIVATE_MEDIA_ROOT"]
MEDIA_LADDER = [(180, 400), (90, 200)]
