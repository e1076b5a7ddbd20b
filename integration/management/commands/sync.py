import sys

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError

from synclog.models import SyncDirection

from ...engine import RunOptions
from ...services.full_sync import (
    KEEP,
    RESTORE,
    full_sync_run_recommended,
    run_full_synchronization,
)
from ...services.mapping_runs import check_unconditional
from ...services.review import ReviewBusy
from ...services.synchronization import (
    record_by_label,
    synchronize_mapping,
    synchronize_modified_records,
    synchronize_records,
)
from ..mappings import mapping_named
from ..output import ProgressBars, any_failed, report_jobs

DIRECTIONS = {
    "to": SyncDirection.TO_INTEGRATION_TABLE,
    "from": SyncDirection.FROM_INTEGRATION_TABLE,
}


class Command(BaseCommand):
    help = (
        "Synchronize with Dataverse. Without options: Synchronize Modified Records for every "
        "mapping in job order. --full: Run Full Synchronization (every mapping, following the "
        "Full Synchronization Review's recommendations). --mapping: one mapping. --record: "
        "Synchronize Now for one record."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mapping", help="Integration table mapping name, e.g. CUSTOMER.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Full synchronization: counterparts for uncoupled records. Alone: every "
            "mapping as the review recommends; with --mapping: that mapping, watermarks cleared.",
        )
        parser.add_argument(
            "--unconditional",
            action="store_true",
            help="With --mapping (one direction only): re-send every coupled record.",
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
            help="After --full: keep creating new records in scheduled runs (keep: Synch. "
            "Only Coupled Records stays cleared) or not (restore: as before; the default).",
        )
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        bars = ProgressBars(not options["no_progress"])
        run = RunOptions(
            trigger="command",
            progress=bars.callback,
            direction=DIRECTIONS.get(options["direction"]),
        )
        try:
            jobs = self.run(options, run)
        finally:
            bars.close()
        report_jobs(self, jobs, options["json"])
        if any_failed(jobs):
            sys.exit(1)

    def run(self, options, run):
        if options["record"]:
            return self.run_record(options["record"], run)
        if not options["mapping"]:
            if options["full"]:
                try:
                    return full_sync_run_recommended(
                        create_new=options["create_new"] or RESTORE, progress=run.progress
                    )
                except ReviewBusy as exc:
                    raise CommandError(str(exc)) from None
            return synchronize_modified_records(options=run)
        mapping = mapping_named(options["mapping"])
        if options["unconditional"]:
            try:
                check_unconditional(mapping)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            run.full = run.unconditional = True
            return synchronize_mapping(mapping, options=run)
        if options["full"]:
            return run_full_synchronization(
                names=[mapping.name], create_new=options["create_new"] or RESTORE, options=run
            )
        return synchronize_modified_records(names=[mapping.name], options=run)

    def run_record(self, record, run):
        label, pk = record
        try:
            found = record_by_label(label, pk)
        except (LookupError, ValueError, ObjectDoesNotExist) as exc:
            raise CommandError(f"No {label} record with primary key {pk}: {exc}") from None
        return synchronize_records(
            [found], direction=run.direction, force=run.direction is not None, options=run
        )
