"""From raw measurements to the figures, the targets (PRODUCT.md §9) and the printed table."""

from __future__ import annotations

REQUESTS_PER_1000 = 2.0
NAIVE_FACTOR = 20.0
CEILING_SHARE = 0.5
INCREMENTAL_SECONDS = 0.5
INCREMENTAL_SIZE = 100_000
MEMORY_GROWTH = 1.2  # "flat": the largest size's peak at most 20 % above the smallest's


def rate(records: int, seconds: float) -> float:
    return records / seconds if seconds > 0 else 0.0


def per_1000(requests: int, records: int) -> float | None:
    return 1000 * requests / records if records else None


def work(cpu_seconds: float, records: int) -> float | None:
    """CPU seconds per 1,000 records: how much work, whatever else the machine is doing."""
    return 1000 * cpu_seconds / records if records else None


def full_sync(result: dict, direction: str) -> dict:
    job = result["jobs"][direction]
    records = job["inserted"]
    return {
        "records": records,
        "failed": job["failed"],
        "seconds": result["seconds"],
        "records_per_second": rate(records, result["seconds"]),
        "requests": result["requests"],
        "client_requests": result["client_requests"],
        "requests_per_1000": per_1000(result["requests"], records),
        "peak_rss_mb": result["peak_rss_mb"],
        "cpu_seconds": result["cpu_seconds"],
        "emulator_cpu_seconds": result["emulator_cpu_seconds"],
        "work_per_1000": work(result["cpu_seconds"] + result["emulator_cpu_seconds"], records),
    }


def incremental(result: dict) -> dict:
    jobs = result["jobs"]
    return {
        "seconds": result["seconds"],
        "requests": result["requests"],
        "written": sum(jobs[d]["modified"] + jobs[d]["inserted"] for d in jobs),
        "failed": sum(jobs[d]["failed"] for d in jobs),
        "modified": {d: jobs[d]["modified"] for d in jobs},
        "peak_rss_mb": result["peak_rss_mb"],
    }


def figures(raw: dict) -> dict:
    """The figures of one size, derived from its raw step results."""
    to = full_sync(raw["full_to"], "to")
    ceiling, naive = raw["ceiling"], raw["naive"]
    ceiling_rate = rate(ceiling["records"], ceiling["seconds"])
    naive_rate = rate(naive["records"], naive["seconds"])
    return {
        "size": raw["size"],
        "full_to": to,
        "full_from": full_sync(raw["full_from"], "from"),
        "ceiling": {
            "records": ceiling["records"],
            "seconds": ceiling["seconds"],
            "records_per_second": ceiling_rate,
            "requests": ceiling["client_requests"],
            "parallel_requests": ceiling["parallel_requests"],
            "emulator_cpu_seconds": ceiling["emulator_cpu_seconds"],
            "work_per_1000": work(ceiling["emulator_cpu_seconds"], ceiling["records"]),
        },
        "engine_vs_ceiling": to["records_per_second"] / ceiling_rate if ceiling_rate else None,
        "naive": {
            "records": naive["records"],
            "sample": naive["sample"],
            "failed": naive["failed"],
            "seconds": naive["seconds"],
            "records_per_second": naive_rate,
            "requests": naive["client_requests"],
            "estimated_seconds_for_size": raw["size"] / naive_rate if naive_rate else None,
            "work_per_1000": work(
                naive["loop_cpu_seconds"] + naive["emulator_cpu_seconds"], naive["records"]
            ),
        },
        "engine_vs_naive": to["records_per_second"] / naive_rate if naive_rate else None,
        "settle": incremental(raw["settle"]),
        "incremental_unchanged": incremental(raw["incremental_unchanged"]),
        "changed": raw["changed"],
        "incremental_changed": incremental(raw["incremental_changed"]),
    }


def target(name: str, met: bool | None, value: str, detail: str) -> dict:
    return {"target": name, "met": met, "value": value, "detail": detail}


def targets(sizes: list[dict]) -> list[dict]:
    """Each target of PRODUCT.md §9 / issue 11, judged on the figures of every size."""
    worst_requests = max(
        (s[d]["requests_per_1000"] or 0.0) for s in sizes for d in ("full_to", "full_from")
    )
    naive = min(s["engine_vs_naive"] or 0.0 for s in sizes)
    share = min(s["engine_vs_ceiling"] or 0.0 for s in sizes)
    largest = sizes[-1]
    quiet = largest["incremental_unchanged"]["seconds"]
    return [
        target(
            f"≤ {REQUESTS_PER_1000:g} HTTP requests per 1,000 records written",
            worst_requests <= REQUESTS_PER_1000,
            f"{worst_requests:.2f}",
            "full synchronization, both directions, every size (worst shown)",
        ),
        target(
            f"full synchronization ≥ {NAIVE_FACTOR:g}× the naive way",
            naive >= NAIVE_FACTOR,
            f"{naive:.1f}×",
            "ERP → Dataverse, records per second, every size (lowest shown)",
        ),
        target(
            f"full synchronization ≥ {CEILING_SHARE:g} × the emulator's ceiling",
            share >= CEILING_SHARE,
            f"{share:.2f}",
            "ERP → Dataverse vs CreateMultiple with no engine, every size (lowest shown)",
        ),
        target(
            f"incremental run with no change < {INCREMENTAL_SECONDS:g} s at "
            f"{INCREMENTAL_SIZE:,} records",
            quiet < INCREMENTAL_SECONDS if largest["size"] >= INCREMENTAL_SIZE else None,
            f"{quiet:.2f} s",
            f"measured at {largest['size']:,} records",
        ),
        memory_target(sizes),
    ]


def memory_target(sizes: list[dict]) -> dict:
    name = "peak memory flat between the smallest and the largest size"
    if len(sizes) < 2:
        return target(name, None, "–", "needs two sizes")
    growth = max(
        sizes[-1][d]["peak_rss_mb"] / sizes[0][d]["peak_rss_mb"] for d in ("full_to", "full_from")
    )
    return target(
        name,
        growth <= MEMORY_GROWTH,
        f"+{100 * (growth - 1):.0f} %",
        f"full synchronization peak RSS, {sizes[0]['size']:,} → {sizes[-1]['size']:,} records "
        f"(flat: at most +{100 * (MEMORY_GROWTH - 1):.0f} %)",
    )


def problems(raw: dict) -> list[str]:
    """What went wrong in the measured steps: a number from a failed run means nothing."""
    found = []
    for step in ("full_to", "settle", "incremental_unchanged", "incremental_changed", "full_from"):
        for direction, job in raw[step]["jobs"].items():
            if job["status"] != "finished" or job["failed"]:
                found.append(
                    f"{raw['size']:,} records, {step} ({direction}): job {job['status']}, "
                    f"{job['failed']} failed. {job['message']}".strip()
                )
    if raw["ceiling"]["failed_requests"]:
        found.append(f"{raw['size']:,} records, ceiling: a CreateMultiple was refused")
    if raw["naive"]["failed"]:
        found.append(f"{raw['size']:,} records, naive: {raw['naive']['failed']} POSTs refused")
    return found


def document(run: dict) -> dict:
    sizes = [figures(raw) for raw in run["sizes"]]
    return {
        "machine": run["machine"],
        "database": run["database"],
        "workdir": run["workdir"],
        "database_prefix": run["database_prefix"],
        "config": run["config"],
        "total_seconds": run["total_seconds"],
        "sizes": sizes,
        "targets": targets(sizes),
        "problems": [problem for raw in run["sizes"] for problem in problems(raw)],
    }
