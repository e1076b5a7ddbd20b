import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...services.creation import create_in_dataverse_plan, create_in_dataverse_run
from ...services.records import record_selection
from ..output import run_and_report


class Command(BaseCommand):
    help = (
        "Create in Dataverse: create a Dataverse row for each uncoupled record given and couple "
        "them, whatever the mapping's Synch. Only Coupled Records says."
    )

    def add_arguments(self, parser):
        parser.add_argument("model", metavar="APP.MODEL", help="For example erp.customer.")
        parser.add_argument("pks", nargs="+", metavar="PK", help="The records' primary keys.")
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            selection = record_selection(label=options["model"], pks=options["pks"])
            plan = create_in_dataverse_plan(selection=selection)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        left = len(plan.already_coupled) + len(plan.outside_filter)
        if left:
            self.stderr.write(
                f"Left alone: {len(plan.already_coupled)} already coupled, "
                f"{len(plan.outside_filter)} outside the {selection.mapping.name} table filter."
            )
        if not plan.to_create:
            raise CommandError("None of the given records can be created in Dataverse.")
        run_and_report(
            self,
            options,
            lambda progress: create_in_dataverse_run(
                run_id=uuid.uuid4(),
                label=selection.label,
                pks=selection.pks,
                requested_by="command",
                progress=progress,
            ),
        )
