import uuid

from django.core.management.base import BaseCommand, CommandError

from ...services.creation import create_in_erp_run
from ...services.records import FROM, allows
from ..mappings import mapping_named
from ..output import run_and_report


class Command(BaseCommand):
    help = (
        "Create in ERP: create a local record for each uncoupled Dataverse row given and couple "
        "them, whatever the mapping's Synch. Only Coupled Records says."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mapping", required=True, help="Integration table mapping name.")
        parser.add_argument("dataverse_ids", nargs="+", metavar="DATAVERSE_ID")
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        mapping = mapping_named(options["mapping"])
        if not allows(mapping, FROM):
            raise CommandError(
                f"The mapping {mapping.name} only synchronizes to Dataverse, so rows cannot be "
                "created in the ERP from it."
            )
        try:
            ids = [uuid.UUID(value) for value in options["dataverse_ids"]]
        except ValueError:
            raise CommandError("Give the Dataverse rows by their ids (GUIDs).") from None
        jobs = run_and_report(
            self,
            options,
            lambda progress: create_in_erp_run(
                run_id=uuid.uuid4(),
                name=mapping.name,
                dataverse_ids=ids,
                requested_by="command",
                progress=progress,
            ),
        )
        if not jobs:
            self.stderr.write("Nothing to create: every row given is already coupled.")
