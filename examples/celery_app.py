"""A host's Celery app with the cosmic-images tasks attached: a runnable worker.

    pip install 'cosmic-images[celery]'
    celery -A examples.celery_app worker --loglevel INFO          # from the repository root

Then, from anywhere with the same settings (DATABASE_URL, REDIS_URL, ...):

    from examples.celery_app import app
    from cosmic_images import tasks
    summary = tasks.batch.delay("2025-01-23").get(timeout=600)   # the nightly batch, fanned out
    envelope = tasks.generate.delay("u1", "cosmic", "daily_energy", {"sign": "leo"}).get()

The broker is the host's own (``CELERY_BROKER_URL``, default the local Redis); cosmic-images
forces none. Each worker process builds its service from the environment after the fork.
"""

from __future__ import annotations

import os

from celery import Celery

broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
app = Celery("cosmic-example", broker=broker, backend=broker, include=["cosmic_images.tasks"])
app.conf.worker_prefetch_multiplier = 1  # a long generation holds one worker, not a queue
app.conf.broker_connection_retry_on_startup = True

if __name__ == "__main__":
    app.start(["worker", "--loglevel", "INFO"])
