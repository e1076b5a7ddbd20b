"""Run one table mapping: its To pass, then its From pass, one synchronization job each.

The runner holds the mapping's lease for the whole run, records a job per direction, and moves
the watermarks only after a pass has finished, and never past the pass's start. A pass that
cannot go on (an unusable connection, retries exhausted, a mapping that cannot work) ends its
job with a message and leaves the watermarks where they were, so the next run repeats what
was not done.
"""

from django.utils import timezone

from synclog.models import SyncJob

from ..dataverse.errors import DataverseError
from ..dataverse.transport import origin
from ..models import IntegrationTableMapping
from .deletion_scans import DeletionScan, LocalDeletions
from .errors import JobStopped, MappingBusy
from .from_dataverse import FromDataverse
from .joblog import JobLog
from .lease import mapping_lease
from .local_table import safe_watermark
from .options import RunOptions
from .specs import BOTH, FROM, TO, build_plan, model_caption

# Errors that stop a job with their message: a mapping that cannot work, and whatever the
# client raises (RetryLater, ConnectionUnusable, or an answer it could not use).
STOPPING = (JobStopped, DataverseError)


def synchronize(
    mapping: IntegrationTableMapping, client, options: RunOptions | None = None
) -> list[SyncJob]:
    """Synchronize ``mapping`` and return its jobs (To first, then From)."""
    options = options or RunOptions()
    try:
        with mapping_lease(mapping, wait=options.wait_for_lease) as heartbeat:
            mapping.refresh_from_db()
            try:
                passes = directions(mapping, options)
                plan = build_plan(mapping, client)
            except STOPPING as exc:
                return [record_failed_start(mapping, options, exc)]
            if options.full and not options.is_record_run:
                clear_watermarks(mapping)
            return [run_pass(plan, client, options, direction, heartbeat) for direction in passes]
    except MappingBusy as exc:
        return [record_skipped(mapping, options, str(exc))]


def directions(mapping, options) -> list[str]:
    allowed = [TO, FROM] if mapping.direction == BOTH else [mapping.direction]
    if options.direction:
        if options.direction not in allowed:
            label = SyncJob._meta.get_field("direction").flatchoices
            raise JobStopped(
                f"The integration table mapping {mapping.name} is not configured "
                f"for {dict(label)[options.direction]} synchronization."
            )
        return [options.direction]
    return allowed


def run_pass(plan, client, options, direction, heartbeat) -> SyncJob:
    log = JobLog.start(plan, direction, options, heartbeat=heartbeat)
    log.track_client(client.stats)
    started = timezone.now()
    try:
        if direction == TO:
            run_to(plan, client, options, log, started)
        else:
            run_from(plan, client, options, log, started)
    except STOPPING as exc:
        return log.fail_job(exc, client_stats=client.stats)
    except Exception as exc:
        # A fault of Tandem's own: the log still says the job failed and why, then it rises.
        log.fail_job(exc, client_stats=client.stats)
        raise
    return log.finish(client_stats=client.stats)


def run_to(plan, client, options, log, started) -> None:
    from .to_dataverse import ToDataverse

    mapping = plan.mapping
    watermark = None if options.full else mapping.local_modified_on_filter
    ToDataverse(plan, client, options, log).run(watermark)
    if options.is_record_run:
        return
    LocalDeletions(plan, client, options, log).run()
    if mapping.direction == TO:
        stored = same_environment(mapping.dataverse_delta_link, client)
        link = DeletionScan(plan, client, options, log).run(stored)
        save_mapping(mapping, dataverse_delta_link=link)
    mark = safe_watermark(started)
    if mapping.local_modified_on_filter is None or mark > mapping.local_modified_on_filter:
        save_mapping(mapping, local_modified_on_filter=mark)


def run_from(plan, client, options, log, started) -> None:
    mapping = plan.mapping
    if mapping.direction == FROM and not options.is_record_run:
        LocalDeletions(plan, client, options, log).run()
    delta_link = "" if options.full else usable_delta_link(mapping, plan, client)
    from_pass = FromDataverse(plan, client, options, log)
    link = from_pass.run(delta_link)
    if options.is_record_run or link is None:
        return
    latest = from_pass.latest_modified_on
    fields = {"dataverse_delta_link": link}
    if latest is not None:
        latest = min(latest, started)
        old = mapping.dataverse_modified_on_filter
        if old is None or latest > old:
            fields["dataverse_modified_on_filter"] = latest
    save_mapping(mapping, **fields)


def usable_delta_link(mapping, plan, client) -> str:
    """The stored delta link, unless it reads other columns than the mapping now needs."""
    from urllib.parse import parse_qs, urlsplit

    link = same_environment(mapping.dataverse_delta_link, client)
    if not link:
        return ""
    selected = parse_qs(urlsplit(link).query).get("$select", [""])[0]
    return link if set(selected.split(",")) == set(plan.read_columns()) else ""


def same_environment(link: str, client) -> str:
    """``link`` if it belongs to the connection's environment; else empty (read in full).

    After the connection is pointed at another environment, the old environment's link is
    of no use there, and the client would rightly refuse to send its token to it."""
    if link and origin(link) == origin(client.config.environment_url):
        return link
    return ""


def clear_watermarks(mapping) -> None:
    save_mapping(
        mapping,
        local_modified_on_filter=None,
        dataverse_modified_on_filter=None,
        dataverse_delta_link="",
    )


def save_mapping(mapping, **fields) -> None:
    for name, value in fields.items():
        setattr(mapping, name, value)
    IntegrationTableMapping.objects.filter(pk=mapping.pk).update(**fields)


def record_failed_start(mapping, options, exc) -> SyncJob:
    return record_job(mapping, options, SyncJob.Status.FAILED, str(exc))


def record_skipped(mapping, options, message) -> SyncJob:
    return record_job(mapping, options, SyncJob.Status.SKIPPED, message)


def local_caption(label: str) -> str:
    """The local table's name as people see it; the label itself if no such model exists."""
    from django.apps import apps

    try:
        return model_caption(apps.get_model(label))
    except (LookupError, ValueError):
        return label


def record_job(mapping, options, status, message) -> SyncJob:
    now = timezone.now()
    return SyncJob.objects.create(
        table_mapping_name=mapping.name,
        direction=options.direction or mapping.direction,
        trigger=options.trigger,
        requested_by=options.requested_by,
        run_id=options.run_id,
        local_table=mapping.local_table,
        local_table_caption=local_caption(mapping.local_table),
        dataverse_table=mapping.dataverse_table,
        dataverse_table_caption=mapping.dataverse_table.replace("_", " ").title(),
        status=status,
        started_at=now,
        finished_at=now,
        message=message,
    )
