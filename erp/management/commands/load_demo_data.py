import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from erp.demo import DemoDataBuilder, DemoSizes, demo_data_present


class Command(BaseCommand):
    help = (
        "Fill the ERP with a realistic, deterministic demo data set: currencies with rates, "
        "salespeople, units, customers, vendors, their contacts, items and resources."
    )

    def add_arguments(self, parser):
        defaults = DemoSizes()
        parser.add_argument("--customers", type=int, default=defaults.customers)
        parser.add_argument("--vendors", type=int, default=defaults.vendors)
        parser.add_argument(
            "--contacts-per-company", type=int, default=defaults.contacts_per_company
        )
        parser.add_argument("--items", type=int, default=defaults.items)
        parser.add_argument("--resources", type=int, default=defaults.resources)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the ERP already holds customers or items.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if demo_data_present():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded; nothing to do.")
                return
            raise CommandError(
                "The ERP already holds customers or items. Load demo data into an empty "
                "database, or pass --if-empty to skip."
            )
        for name in ("customers", "vendors", "contacts_per_company", "items", "resources"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        sizes = DemoSizes(
            customers=options["customers"],
            vendors=options["vendors"],
            contacts_per_company=options["contacts_per_company"],
            items=options["items"],
            resources=options["resources"],
        )
        bars = {}

        def progress(label, done, total):
            if options["no_progress"]:
                return
            bar = bars.get(label) or bars.setdefault(
                label, tqdm(total=total, desc=label, unit="rec", file=sys.stderr, leave=False)
            )
            bar.update(done - bar.n)

        counts = DemoDataBuilder(seed=options["seed"], progress=progress).load(sizes)
        for bar in bars.values():
            bar.close()
        summary = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded demo data: {summary}."))
