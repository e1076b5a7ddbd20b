import argparse
import uuid

from django.core.management.base import BaseCommand

from ...services.matching import match_based_coupling_run
from ..mappings import mapping_named
from ..output import run_and_report


class Command(BaseCommand):
    help = (
        "Match-Based Coupling: couple every uncoupled record of a mapping to its single "
        "uncoupled Dataverse match, by the mapping's coupling criteria."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mapping", required=True, help="Integration table mapping name.")
        parser.add_argument(
            "--create-new",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Create a new Dataverse row for records without a match (default: the "
            "mapping's Create New in Case of No Match).",
        )
        parser.add_argument("--json", action="store_true", help="Print the jobs as JSON.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        mapping = mapping_named(options["mapping"])
        run_and_report(
            self,
            options,
            lambda progress: match_based_coupling_run(
                mapping=mapping,
                run_id=uuid.uuid4(),
                requested_by="command",
                create_new=options["create_new"],
                progress=progress,
            ),
        )
