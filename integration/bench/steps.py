"""What the benchmark's child processes do, one function per step (see ``child``).

A step returns a dict of plain values. Measured steps time only the work being measured
(``seconds``), not the process start or Django's set-up.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models.functions import Mod
from django.utils import timezone

from erp.demo import DemoDataBuilder, DemoSizes
from erp.models import Currency, Customer, SalespersonPurchaser
from synclog.models import SyncDirection

from ..connection import client_config, dataverse_client
from ..dataverse import DataverseClient
from ..defaults import ensure_defaults
from ..engine import RunOptions
from ..models import Coupling, IntegrationTableMapping
from ..services.synchronization import synchronize_mapping
from .ceiling import ceiling
from .naive import naive_to
from .payloads import MAPPING

DIRECTIONS = {
    "to": SyncDirection.TO_INTEGRATION_TABLE,
    "from": SyncDirection.FROM_INTEGRATION_TABLE,
}
COUNTS = ("inserted", "modified", "unchanged", "skipped", "failed", "uncoupled")


# Building a site -------------------------------------------------------------------------


def schema() -> dict:
    """An empty installation, copied by every site of the run (migrating is slow)."""
    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "sqlite":
        # The file is copied as it is: everything must be in it, nothing left in the WAL.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {}


def build(customers: int, seed: int = 1) -> dict:
    """A new installation from the schema: demo data, the standard setup, references
    coupled."""
    sizes = DemoSizes(customers=customers, vendors=0, contacts_per_company=0, items=0, resources=0)
    DemoDataBuilder(seed=seed).load(sizes)
    # The demo blocks one customer in ten; here every customer is a candidate, so N means N.
    Customer.objects.update(blocked="")
    ensure_defaults()
    coupled = couple_references()
    return {"customers": Customer.objects.count(), "references_coupled": coupled}


def couple_references() -> int:
    """Couple currencies and salespeople to the emulator's rows with the same code / email.

    Match-based coupling, done directly: the benchmark measures customers, and their
    currency and owner lookups need coupled references to resolve.
    """
    with dataverse_client() as client:
        currencies = {
            r["isocurrencycode"]: r["transactioncurrencyid"]
            for r in client.query("transactioncurrency", select=["isocurrencycode"])
        }
        users = {
            r["internalemailaddress"]: r["systemuserid"]
            for r in client.query("systemuser", select=["internalemailaddress"])
        }
    couplings = [
        Coupling(
            local_table=table,
            local_id=record.system_id,
            dataverse_table=dataverse_table,
            dataverse_id=found[key],
        )
        for table, dataverse_table, records, found, key_of in (
            ("erp.currency", "transactioncurrency", Currency.objects.all(), currencies, "code"),
            (
                "erp.salespersonpurchaser",
                "systemuser",
                SalespersonPurchaser.objects.all(),
                users,
                "email",
            ),
        )
        for record in records
        if (key := getattr(record, key_of)) in found
    ]
    Coupling.objects.bulk_create(couplings)
    return len(couplings)


# Synchronizing ---------------------------------------------------------------------------


def synchronize(*, full: bool = False, direction: str | None = None) -> dict:
    """Run the CUSTOMER mapping once, timed; report what its jobs did and what it cost."""
    mapping = IntegrationTableMapping.objects.get(name=MAPPING)
    options = RunOptions(
        full=full,
        create_new=full,
        direction=DIRECTIONS.get(direction),
        trigger="command",
        progress=progress_bar(f"{MAPPING} {direction or 'both'}"),
    )
    with dataverse_client() as client:
        started = time.perf_counter()
        jobs = synchronize_mapping(mapping, options=options, client=client)
        seconds = time.perf_counter() - started
        stats = client.stats.as_dict()
    close_bar(options.progress)
    return {
        "seconds": seconds,
        "client_requests": stats["requests"] + stats["token_requests"],
        "retries": stats["retries"],
        "jobs": {job.direction.split("_")[0]: job_summary(job) for job in jobs},
    }


def job_summary(job) -> dict:
    return {
        "status": job.status,
        "message": job.message,
        **{name: getattr(job, name) for name in COUNTS},
    }


def progress_bar(label: str) -> Callable | None:
    if not os.environ.get("BENCH_PROGRESS"):
        return None
    from tqdm import tqdm

    bars: dict = {}

    def update(job, processed, total):
        bar = bars.get(job.pk)
        if bar is None:
            bar = bars[job.pk] = tqdm(desc=f"  {label}", unit="rec", file=sys.stderr, leave=False)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(processed - bar.n)

    update.bars = bars
    return update


def close_bar(progress) -> None:
    for bar in getattr(progress, "bars", {}).values():
        bar.close()


# Changing records on each side -------------------------------------------------------------


def change(every: int = 100) -> dict:
    """One record in ``every`` changed on each side, different records on each."""
    return {"local": change_local(every, 0), "dataverse": change_dataverse(every, every // 2)}


def change_local(every: int, offset: int) -> int:
    """Change one customer in ``every`` as a person would: a new phone number, saved now."""
    return one_in(every, offset).update(phone_no="+45 7000 0000", modified_at=timezone.now())


def change_dataverse(every: int, offset: int) -> int:
    """Change the accounts of one customer in ``every`` in Dataverse, as the sales user."""
    ids = Coupling.objects.filter(
        local_table="erp.customer", local_id__in=one_in(every, offset).values("system_id")
    ).values_list("dataverse_id", flat=True)
    config = client_config(
        client_id=settings.DATAVERSE_EMULATOR_USER_CLIENT_ID,
        client_secret=settings.DATAVERSE_EMULATOR_USER_CLIENT_SECRET,
    )
    with DataverseClient(config) as person:
        rows = [{"accountid": i, "telephone1": "+45 8000 0000"} for i in ids]
        results = person.update_many("account", rows)
    return sum(1 for r in results if r.ok)


def one_in(every: int, offset: int):
    """One customer in ``every``, chosen by primary key: the same ones at every size."""
    return Customer.objects.alias(slot=Mod("id", every)).filter(slot=offset)


STEPS: dict[str, Callable[..., dict]] = {
    "schema": schema,
    "build": build,
    "synchronize": synchronize,
    "change": change,
    "ceiling": ceiling,
    "naive_to": naive_to,
}
