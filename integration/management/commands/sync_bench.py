"""``manage.py sync_bench``: how fast Tandem synchronizes (docs/performance.md)."""

import json
import logging

from django.core.management.base import BaseCommand, CommandError

from integration.bench.report import document
from integration.bench.runner import BenchConfig, run_benchmark
from integration.bench.table import render


class Command(BaseCommand):
    help = (
        "Benchmark synchronization against the Dataverse emulator over HTTP, in throw-away "
        "databases: full synchronization both ways, incremental runs, the naive way and the "
        "emulator's own ceiling. Prints a table (or --json) with each target met or not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=int,
            nargs="+",
            default=[10_000, 100_000],
            metavar="N",
            help="Numbers of customers to synchronize (default: 10000 100000).",
        )
        parser.add_argument(
            "--naive-sample",
            type=int,
            default=1_000,
            metavar="N",
            help="At most this many records the naive way (one request each), per size.",
        )
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="Latency the emulator adds to requests."
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON document.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        sizes = sorted(set(options["sizes"]))
        if min(sizes) < 100 or options["naive_sample"] < 1 or options["latency_ms"] < 0:
            raise CommandError("Sizes start at 100; the sample and the latency are positive.")
        config = BenchConfig(
            sizes=sizes,
            latency_ms=options["latency_ms"],
            naive_sample=options["naive_sample"],
            progress=not options["no_progress"],
        )
        # The benchmark's own requests (resetting the emulator) are not news worth a line.
        logging.getLogger("integration.dataverse").setLevel(logging.WARNING)
        doc = document(run_benchmark(config))
        if options["json"]:
            self.stdout.write(json.dumps(doc, indent=2))
        else:
            self.stdout.write(render(doc))
