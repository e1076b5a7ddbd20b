"""The emulator's own ceiling: CreateMultiple of the engine's payloads, nothing in front.

Every body is built and encoded before the clock starts, so the rate measured is what the
emulator and the HTTP path can take: the same chunks of 1,000 rows the engine sends, with as
many requests in flight as the client allows itself (its parallelism bounded by the
service's ``x-ms-dop-hint``).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from ..connection import dataverse_client
from .payloads import CreatePayloads, transport

PAGE = 1000


def request_bodies(payloads: CreatePayloads, chunk: int) -> tuple[list[bytes], int]:
    """CreateMultiple bodies for every customer of the site, ``chunk`` rows each.

    The rows of the first page are worked out the engine's way; the rest repeat them with
    ids of their own. The emulator's work per row does not depend on the names and numbers
    in it, and working out 100,000 rows would add half a minute to the run for nothing.
    """
    total = payloads.local.filtered().count()
    model = [payloads.body(payloads.row(row)) for row in next(payloads.pages(PAGE), [])]
    primary = payloads.plan.primary_id
    bodies = []
    for start in range(0, total, chunk):
        rows = [
            {**model[(start + i) % len(model)], primary: str(uuid.uuid4())}
            for i in range(min(chunk, total - start))
        ]
        bodies.append(payloads.create_multiple(rows))
    return bodies, total


def ceiling(parallel: int | None = None) -> dict:
    with dataverse_client() as client:
        payloads = CreatePayloads(client)
        bodies, records = request_bodies(payloads, client.config.write_chunk_size)
        http = transport(client)
        url = http.url(f"{payloads.entity.entity_set_name}/Microsoft.Dynamics.CRM.CreateMultiple")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        workers = parallel or min(client.config.max_parallel_requests, http.dop_hint or 64)
        requests_before = client.stats.requests

        def send(body: bytes) -> int:
            return http.request("POST", url, headers=headers, data=body).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            statuses = list(pool.map(send, bodies))
        seconds = time.perf_counter() - started
        return {
            "records": records,
            "seconds": seconds,
            "client_requests": client.stats.requests - requests_before,
            "failed_requests": sum(1 for status in statuses if status >= 300),
            "parallel_requests": workers,
            "body_bytes": sum(len(body) for body in bodies),
        }
