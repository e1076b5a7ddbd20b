"""``sync_setup``: Use Default Synchronization Setup from the command line, and check mappings."""

from django.core.management.base import BaseCommand, CommandError

from integration import setup_services
from integration.models import IntegrationTableMapping


class Command(BaseCommand):
    help = (
        "Use Default Synchronization Setup: --reset restores the standard mappings (or the ones "
        "named with --mapping); --if-missing creates them only when no mapping exists; --check "
        "validates every mapping."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--reset", action="store_true", help="Restore the standard mappings.")
        action.add_argument(
            "--if-missing",
            action="store_true",
            help="Create the connection setup, and the standard mappings when none exist.",
        )
        action.add_argument("--check", action="store_true", help="Validate every mapping.")
        parser.add_argument(
            "--mapping", action="append", metavar="NAME", help="With --reset: only this mapping."
        )

    def handle(self, *args, reset, if_missing, check, mapping, **options):
        if mapping and not reset:
            raise CommandError("--mapping goes with --reset.")
        if reset:
            self._reset(mapping)
        elif if_missing:
            self._if_missing()
        else:
            self._check()

    def _reset(self, names):
        result = setup_services.mappings_reset(names=names)
        if result.not_standard:
            raise CommandError(f"Not a standard mapping: {', '.join(result.not_standard)}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Default synchronization setup restored: {', '.join(result.reset)}."
            )
        )

    def _if_missing(self):
        if setup_services.setup_ensure():
            self.stdout.write(self.style.SUCCESS("Created the default synchronization setup."))
        else:
            self.stdout.write("Integration table mappings exist already; nothing changed.")

    def _check(self):
        schema = setup_services.DataverseSchema()
        failed = False
        for mapping in IntegrationTableMapping.objects.order_by("name"):
            rows = setup_services.saved_rows(mapping)
            problems = setup_services.table_mapping_check(mapping, rows, schema=schema)
            for message in problems.messages():
                failed = True
                self.stdout.write(f"{mapping.name}: {message}")
        if schema.unreachable:
            self.stderr.write(f"Dataverse columns not checked: {schema.unreachable}")
        if failed:
            raise CommandError("Some mappings need correcting.")
        self.stdout.write(self.style.SUCCESS("Every mapping is valid."))
