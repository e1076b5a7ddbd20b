"""``python manage.py run_dataverse_emulator --port N``: the emulator alone, for tests and
benchmarks. Migrates and seeds its database first when needed."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from emulator import seed, server


class Command(BaseCommand):
    help = "Serve the Dataverse emulator on its own (multi-threaded), at the root URL."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--threads", type=int, default=64)

    def handle(self, *args, **options):
        call_command("migrate", database="dataverse", interactive=False, verbosity=0)
        seed.ensure_seeded()
        server.serve(options["host"], options["port"], options["threads"])
