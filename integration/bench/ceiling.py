"""The emulator's own ceiling: CreateMultiple of the engine's payloads, nothing in front.

Every body is built and encoded before the clock starts, so the rate measured is what the
emulator and the HTTP path can take: the same chunks of 1,000 rows the engine sends, with as
many requests in flight as the client allows itself (its parallelism bounded by the
service's ``x-ms-dop-hint``).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ..connection import dataverse_client
from .payloads import CreatePayloads, transport

PAGE = 1000


def ceiling(limit: int | None = None, parallel: int | None = None) -> dict:
    with dataverse_client() as client:
        payloads = CreatePayloads(client)
        chunk = client.config.write_chunk_size
        bodies, records = [], 0
        for rows in payloads.pages(PAGE, limit):
            created = [payloads.body(payloads.row(row)) for row in rows]
            for start in range(0, len(created), chunk):
                bodies.append(payloads.create_multiple(created[start : start + chunk]))
            records += len(rows)
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
