import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from synclog.models import SyncDirection

from ...engine import RunOptions
from ...models import IntegrationTableMapping
from ...services.full_sync import KEEP, RESTORE, run_full_synchronization
from ...services.synchronization import (
    record_by_label,
    synchronize_mapping,
    synchronize_modified_records,
    synchronize_records,
)

DIRECTIONS = {
    "to": SyncDirection.TO_INTEGRATION_TABLE,
    "from": SyncDirection.FROM_INTEGRATION_TABLE,
}
JOB_FIELDS = [
    "inserted",
    "modified",
    "deleted",
    "unchanged",
    "skipped",
    "failed",
    "coupled",
    "uncoupled",
]


class Command(BaseCommand):
    help = (
        "Synchronize with Dataverse. Without options: Synchronize Modified Records for every "
        "mapping in job order. --full: Run Full Synchronization. --mapping: one mapping. "
        "--record: Synchronize Now for one record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mapping", help="Integration table mapping name, e.g. CUSTOMER.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Full synchronization (creates counterparts for uncoupled "
            "records; with --mapping: clears its watermarks).",
        )
        parser.add_argument(
            "--unconditional",
            action="store_true",
            help="With --mapping: re-send every coupled record.",
        )
        parser.add_argument(
            "--record",
            nargs=2,
            metavar=("APP.MODEL", "PK"),
            help="Synchronize Now for one local record.",
        )
        parser.add_argument(
            "--direction",
            choices=sorted(DIRECTIONS),
            help="With --record or --mapping: only this direction.",
        )
        parser.add_argument(
            "--create-new",
            choices=[KEEP, RESTORE],
            help="After --full: keep creating new records in scheduled runs "
            "(keep) or only synchronize coupled records again (restore).",
        )
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        self.bars = {}
        run = RunOptions(
            trigger="command",
            progress=None if options["no_progress"] else self.progress,
            direction=DIRECTIONS.get(options["direction"]),
        )
        jobs = self.run(options, run)
        for bar in self.bars.values():
            bar.close()
        self.report(jobs, options["json"])
        if any(job.status == "failed" for job in jobs):
            sys.exit(1)

    def run(self, options, run):
        if options["record"]:
            label, pk = options["record"]
            try:
                record = record_by_label(label, pk)
            except (LookupError, ValueError) as exc:
                raise CommandError(f"No {label} record with primary key {pk}: {exc}")
            return synchronize_records(
                [record], direction=run.direction, force=run.direction is not None, options=run
            )
        names = None
        if options["mapping"]:
            mapping = IntegrationTableMapping.objects.filter(name=options["mapping"]).first()
            if mapping is None:
                raise CommandError(f"There is no integration table mapping {options['mapping']}.")
            names = [mapping.name]
            if options["unconditional"]:
                run.full = run.unconditional = True
                return synchronize_mapping(mapping, options=run)
        if options["full"]:
            return run_full_synchronization(
                names=names, create_new=options["create_new"] or RESTORE, options=run
            )
        return synchronize_modified_records(names=names, options=run)

    def progress(self, job, processed, total):
        bar = self.bars.get(job.pk)
        if bar is None:
            bar = self.bars[job.pk] = tqdm(
                desc=f"{job.table_mapping_name} {job.direction_text}",
                total=total,
                unit="rec",
                file=sys.stderr,
                leave=True,
            )
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(processed - bar.n)

    def report(self, jobs, as_json):
        if as_json:
            self.stdout.write(json.dumps([job_dict(j) for j in jobs], indent=2))
            return
        for job in jobs:
            counts = ", ".join(f"{getattr(job, f)} {f}" for f in JOB_FIELDS if getattr(job, f))
            line = f"{job.table_mapping_name:<18} {job.direction_text:<40} {counts or 'nothing'}"
            if job.message:
                line += f" — {job.message}"
            style = self.style.ERROR if job.status == "failed" or job.failed else self.style.SUCCESS
            self.stdout.write(style(line))


def job_dict(job) -> dict:
    return {
        "mapping": job.table_mapping_name,
        "direction": job.direction,
        "type": job.job_type,
        "status": job.status,
        **{f: getattr(job, f) for f in JOB_FIELDS},
        "message": job.message,
    }
