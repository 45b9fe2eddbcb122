"""The Celery app the tests' worker processes run: a host's app, with our tasks attached.

Broker, result backend and queue come from the environment the test gives the worker.
"""

from __future__ import annotations

import os

from celery import Celery

app = Celery(
    "cosmic-test",
    broker=os.environ.get("COSMIC_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/13"),
    backend=os.environ.get("COSMIC_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/13"),
    include=["cosmic_images.tasks"],
)
app.conf.task_default_queue = os.environ.get("COSMIC_TEST_CELERY_QUEUE", "cosmic-test")
app.conf.result_expires = 600
app.conf.worker_prefetch_multiplier = 1
app.conf.task_acks_late = False
app.conf.broker_connection_retry_on_startup = True
