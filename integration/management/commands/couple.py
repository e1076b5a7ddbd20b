import sys
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...connection import ConnectionDisabled, dataverse_client
from ...services.coupling import record_couple
from ...services.records import describe_record, record_selection
from ...services.synchronize_now import GET, SEND, synchronize_now_run
from ..output import ProgressBars, any_failed, report_jobs

SYNC = {"to": SEND, "from": GET}


class Command(BaseCommand):
    help = (
        "Set Up Coupling: couple a local record to a Dataverse row, and optionally synchronize "
        "the pair right after (--sync to: send this record; --sync from: get the row)."
    )

    def add_arguments(self, parser):
        parser.add_argument("model", metavar="APP.MODEL", help="For example erp.customer.")
        parser.add_argument("pk", help="The record's primary key.")
        parser.add_argument("dataverse_id", help="The Dataverse row's id.")
        parser.add_argument("--sync", choices=sorted(SYNC), help="Synchronize after coupling.")
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            selection = record_selection(label=options["model"], pks=[options["pk"]])
            record = selection.records[0]
            client = dataverse_client()
            coupling = record_couple(
                record=record,
                mapping=selection.mapping,
                dataverse_id=uuid.UUID(options["dataverse_id"]),
                client=client,
            )
        except (ValidationError, ConnectionDisabled, ValueError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        summary = (
            f"{describe_record(record)} is coupled to Dataverse "
            f"{selection.mapping.dataverse_table} {coupling.dataverse_id}."
        )
        jobs = []
        if options["sync"]:
            bars = ProgressBars(not options["no_progress"])
            try:
                jobs = synchronize_now_run(
                    run_id=uuid.uuid4(),
                    label=selection.label,
                    pks=[str(record.pk)],
                    choice=SYNC[options["sync"]],
                    requested_by="command",
                    progress=bars.callback,
                )
            finally:
                bars.close()
        if options["json"]:
            report_jobs(self, jobs, True)
        else:
            self.stdout.write(self.style.SUCCESS(summary))
            report_jobs(self, jobs, False)
        if any_failed(jobs):
            sys.exit(1)
