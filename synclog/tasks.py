"""django-q2 entry points of the synchronization log: no arguments in, a service call."""

import logging

from . import services

logger = logging.getLogger(__name__)


def cleanup_task() -> int:
    """Apply the log retention setting; scheduled daily (``services.ensure_cleanup_schedule``)."""
    deleted = services.apply_retention()
    logger.info("Synchronization log cleanup deleted %d jobs", deleted)
    return deleted
