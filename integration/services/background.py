"""Handing work to the django-q2 workers."""

from django.db import transaction


def enqueue(func: str, *args, **kwargs) -> None:
    """Run ``func`` (a dotted path) on a worker once the current transaction has committed.

    Enqueuing after commit means a worker never looks for rows the request has not saved
    yet, and a request that fails enqueues nothing.
    """
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args, **kwargs))
