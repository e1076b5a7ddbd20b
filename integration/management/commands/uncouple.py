import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...services.records import describe_record, record_selection
from ...services.uncoupling import mapping_couplings_delete, record_couplings_delete
from ..mappings import mapping_named
from ..output import report_jobs


class Command(BaseCommand):
    help = (
        "Delete Coupling: uncouple one local record (APP.MODEL PK), or every record of a mapping "
        "(--mapping NAME --all). The records stay on both sides; an uncoupling job is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("record", nargs="*", metavar="APP.MODEL PK")
        parser.add_argument("--mapping", help="Integration table mapping name, with --all.")
        parser.add_argument("--all", action="store_true", help="Every coupling of --mapping.")
        parser.add_argument("--json", action="store_true", help="Print the job as JSON.")

    def handle(self, *args, **options):
        run_id = uuid.uuid4()
        if options["mapping"] or options["all"]:
            job, what = self.whole_mapping(options, run_id)
        elif len(options["record"]) == 2:
            job, what = self.one_record(options["record"], run_id)
        else:
            raise CommandError("Name a record (APP.MODEL PK) or use --mapping NAME --all.")
        if options["json"]:
            report_jobs(self, [job], True)
            return
        self.stdout.write(
            self.style.SUCCESS(f"{what}: {job.uncoupled} coupling(s) deleted. {job.message}")
        )

    def whole_mapping(self, options, run_id):
        if not (options["mapping"] and options["all"]):
            raise CommandError("Use --mapping NAME together with --all.")
        mapping = mapping_named(options["mapping"])
        job = mapping_couplings_delete(mapping=mapping, run_id=run_id, requested_by="command")
        return job, mapping.name

    def one_record(self, record, run_id):
        label, pk = record
        try:
            selection = record_selection(label=label, pks=[pk])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        found = selection.records[0]
        job = record_couplings_delete(
            mapping=selection.mapping,
            local_ids=[found.system_id],
            run_id=run_id,
            requested_by="command",
        )
        return job, describe_record(found)
