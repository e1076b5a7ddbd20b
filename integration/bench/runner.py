"""The benchmark's phases, size by size.

One emulator serves the whole run. Before each measurement that writes new accounts (the
ceiling, the engine's full synchronization, the naive way) it is reset, so that each of them
starts from the same empty account table; the currencies are seeded again with the same
ids, so the sites' couplings stay valid across resets.

For a size N:

1. site A: N customers, currencies and salespeople coupled;
2. ceiling: CreateMultiple of site A's N accounts, nothing in front; reset;
3. full synchronization ERP → Dataverse (site A), then one incremental run that reads the
   table back once (the full run's own writes, which change tracking reports as changes);
4. incremental run with no change; 1 % changed on each side; incremental run again;
5. site B (no customers): full synchronization Dataverse → ERP of the N accounts;
6. reset; site C: the naive way on min(N, sample) customers.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from ..dataverse import ClientConfig, DataverseClient
from .databases import ThrowAwayDatabases
from .processes import Emulator, Site

SCHEMA = "schema"  # the migrated, empty database every site starts from


@dataclass
class BenchConfig:
    sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    latency_ms: int = 0
    naive_sample: int = 1_000
    progress: bool = True


class Phases:
    """Progress on stderr: one line per phase with its elapsed time."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:6.1f} s] {text}", file=sys.stderr, flush=True)


class BenchRun:
    def __init__(self, config: BenchConfig, workdir: Path):
        self.config = config
        self.workdir = workdir
        self.databases = ThrowAwayDatabases.from_environment(workdir)
        self.phases = Phases(config.progress)
        self.emulator: Emulator | None = None
        self.schema_ready = False

    def run(self) -> dict:
        started = time.monotonic()
        try:
            self.emulator = Emulator(self.workdir / "emulator", self.emulator_database()).start()
            results = [self.run_size(size) for size in self.config.sizes]
        finally:
            if self.emulator:
                self.emulator.stop()
            self.databases.drop_all()
        return {
            "machine": machine(),
            "database": self.databases.engine,
            # Where the throw-away data lived: gone by now (the tests check).
            "workdir": str(self.workdir),
            "database_prefix": self.databases.prefix if self.databases.server_url else None,
            "config": asdict(self.config),
            "sizes": results,
            "total_seconds": time.monotonic() - started,
        }

    def emulator_database(self) -> str | None:
        return self.databases.url("dataverse") if self.databases.server_url else None

    # One size --------------------------------------------------------------------------

    def run_size(self, size: int) -> dict:
        note = self.phases.note
        self.reset_emulator()
        note(f"{size:,}: building site A ({size:,} customers)")
        site_a = self.site(f"a{size}", size)
        note(f"{size:,}: ceiling (CreateMultiple, no engine)")
        ceiling = self.measure(site_a, "ceiling")
        self.reset_emulator()
        note(f"{size:,}: full synchronization ERP → Dataverse")
        full_to = self.measure(site_a, "synchronize", full=True, direction="to")
        note(f"{size:,}: incremental runs")
        settle = self.measure(site_a, "synchronize")
        unchanged = self.measure(site_a, "synchronize")
        changed = site_a.step("change")
        one_percent = self.measure(site_a, "synchronize")
        note(f"{size:,}: full synchronization Dataverse → ERP (site B)")
        site_b = self.site(f"b{size}", 0)
        full_from = self.measure(site_b, "synchronize", full=True, direction="from")
        sample = min(size, self.config.naive_sample)
        self.reset_emulator()
        note(f"{size:,}: the naive way, {sample:,} customers (site C)")
        site_c = self.site(f"c{size}", sample)
        naive = self.measure(site_c, "naive_to", limit=sample)
        return {
            "size": size,
            "ceiling": ceiling,
            "full_to": full_to,
            "settle": settle,
            "incremental_unchanged": unchanged,
            "changed": {"local": changed["local"], "dataverse": changed["dataverse"]},
            "incremental_changed": one_percent,
            "full_from": full_from,
            "naive": {**naive, "sample": sample},
        }

    def site(self, name: str, customers: int) -> Site:
        if not self.schema_ready:
            url = self.databases.url(SCHEMA)
            Site(SCHEMA, self.workdir / SCHEMA, url, self.emulator.url).step("schema")
            self.schema_ready = True
        url = self.databases.url(name, template=SCHEMA)
        site = Site(name, self.workdir / name, url, self.emulator.url)
        site.step("build", customers=customers)
        return site

    def measure(self, site: Site, step: str, **params) -> dict:
        """Run a step; add the HTTP requests the emulator saw while it ran."""
        before, cpu = self.emulator.http_requests(), self.emulator.cpu_seconds()
        result = site.step(step, show_progress=self.config.progress, **params)
        result["requests"] = self.emulator.http_requests() - before
        result["emulator_cpu_seconds"] = self.emulator.cpu_seconds() - cpu
        return result

    # The emulator ----------------------------------------------------------------------

    def reset_emulator(self) -> None:
        emulator = self.emulator
        emulator.control("reset")
        with DataverseClient(emulator_config(emulator.url)) as client:
            client.create_many("transactioncurrency", demo_currencies())
        if self.config.latency_ms:
            emulator.control("faults", {"latency_ms": self.config.latency_ms})


def emulator_config(url: str) -> ClientConfig:
    return ClientConfig(
        environment_url=url,
        tenant=settings.DATAVERSE_EMULATOR_TENANT,
        client_id=settings.DATAVERSE_EMULATOR_CLIENT_ID,
        client_secret=settings.DATAVERSE_EMULATOR_CLIENT_SECRET,
        authority_url=url,
    )


def demo_currencies() -> list[dict]:
    """The demo ERP's currencies as transaction currencies, with ids fixed by their code."""
    import uuid

    from erp.demo import CURRENCIES

    namespace = uuid.UUID("0b5e7a8e-52c4-4c41-9d0c-6a7f2b1d9e10")
    return [
        {
            "transactioncurrencyid": uuid.uuid5(namespace, code),
            "isocurrencycode": code,
            "currencyname": description,
            "currencysymbol": symbol,
            "exchangerate": Decimal(rate),
            "currencyprecision": 2,
        }
        for code, description, symbol, rate in CURRENCIES
    ]


def machine() -> dict:
    import os

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run_benchmark(config: BenchConfig) -> dict:
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as workdir:
        return BenchRun(config, Path(workdir)).run()
