"""URLs of the log pages for other apps to link to (a mapping's or a record's log).

The query strings are the FilterSets' field names (``synclog.filters``); building them here
keeps that contract in one place.
"""

import uuid
from collections.abc import Iterable
from urllib.parse import urlencode

from django.urls import reverse

from .models import SyncJob


def job_list_url(**filters) -> str:
    query = urlencode({name: value for name, value in filters.items() if value not in ("", None)})
    url = reverse("synclog:job_list")
    return f"{url}?{query}" if query else url


def mapping_log_url(mapping_name: str) -> str:
    """A table mapping's Synchronization Log: its synchronization jobs."""
    return job_list_url(table_mapping_name=mapping_name, job_type=SyncJob.JobType.SYNCHRONIZATION)


def record_log_url(record_id: uuid.UUID | None, job_ids: Iterable[uuid.UUID | None] = ()) -> str:
    """A record's Synchronization Log: jobs whose errors name the record (its ``system_id``
    or Dataverse row id) together with ``job_ids``, such as its coupling's last jobs."""
    jobs = ",".join(str(job_id) for job_id in job_ids if job_id)
    return job_list_url(record=record_id, jobs=jobs)


def job_errors_url(job_id: uuid.UUID) -> str:
    return f"{reverse('synclog:error_list')}?{urlencode({'job': job_id})}"
