"""The naive way, as Business Central's integration does it: one record at a time.

For each customer: look up its coupling, work out the account the way the engine does, send
one POST, and write the coupling (with the same baselines the engine keeps) in its own
transaction. Lookups are resolved through the same per-page cache the engine uses, which
spares the naive way the per-record lookup queries Business Central makes: the comparison is
generous to it.
"""

from __future__ import annotations

import time
import uuid

from django.db import transaction
from django.utils import timezone

from ..connection import dataverse_client
from ..dataverse.odata_values import dumps
from ..engine.couplings import CouplingStore
from ..engine.transfer import local_snapshot
from ..models import Coupling
from .payloads import CreatePayloads, transport

PAGE = 1000
HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def naive_to(limit: int) -> dict:
    with dataverse_client() as client:
        payloads = CreatePayloads(client)
        store = CouplingStore(payloads.plan)
        http = transport(client)
        url = http.url(payloads.entity.entity_set_name)
        client.authenticate()
        requests_before = client.stats.requests
        created = failed = 0
        started, cpu = time.perf_counter(), time.process_time()
        for rows in payloads.pages(PAGE, limit):
            for local in rows:
                if store.queryset().filter(local_id=local["system_id"]).exists():
                    continue
                changes = payloads.decide(local)
                row_id = uuid.uuid4()
                row = {payloads.plan.primary_id: row_id, **{c: v for c, (v, _) in changes.items()}}
                body = dumps(payloads.body(row)).encode("utf-8")
                if http.request("POST", url, headers=HEADERS, data=body).status_code >= 300:
                    failed += 1
                    continue
                baselines = (
                    local_snapshot(payloads.plan.specs, local),
                    {c: canon for c, (_, canon) in changes.items()},
                )
                couple(store, local, row_id, baselines)
                created += 1
        return {
            "records": created,
            "failed": failed,
            "seconds": time.perf_counter() - started,
            "loop_cpu_seconds": time.process_time() - cpu,
            "client_requests": client.stats.requests - requests_before,
        }


def couple(store: CouplingStore, local: dict, dataverse_id, baselines) -> None:
    with transaction.atomic():
        coupling = store.new(local_id=local["system_id"], dataverse_id=dataverse_id)
        coupling.local_values, coupling.dataverse_values = baselines
        coupling.last_synch_modified_on = local["modified_at"]
        coupling.last_synch_dataverse_result = Coupling.Result.SUCCESS
        coupling.updated_at = timezone.now()
        coupling.save()
