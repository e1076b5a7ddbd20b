"""The benchmark's document as a plain-text table, one column per size."""

from __future__ import annotations

MARKS = {True: "✓", False: "✗", None: "–"}


def number(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def seconds(value) -> str:
    return "–" if value is None else f"{value:.2f} s"


def naive_rate(s: dict) -> str:
    naive = s["naive"]
    text = number(naive["records_per_second"])
    if naive["sample"] < s["size"]:
        text += f" (sample {naive['sample']:,})"
    return text


def full_rows(key: str) -> list[tuple]:
    return [
        ("  records per second", lambda s: number(s[key]["records_per_second"])),
        ("  HTTP requests per 1,000 records", lambda s: number(s[key]["requests_per_1000"], 2)),
        ("  peak memory (RSS, MB)", lambda s: number(s[key]["peak_rss_mb"], 1)),
        (
            "  CPU s, Tandem / emulator",
            lambda s: f"{s[key]['cpu_seconds']:.1f} / {s[key]['emulator_cpu_seconds']:.1f}",
        ),
    ]


def incremental_rows(key: str, written: bool) -> list[tuple]:
    rows = [
        ("  wall time", lambda s: seconds(s[key]["seconds"])),
        ("  HTTP requests", lambda s: number(s[key]["requests"])),
    ]
    if written:
        rows.append(("  records written (both sides)", lambda s: number(s[key]["written"])))
    return rows


ROWS = [
    ("Full synchronization, ERP → Dataverse", None),
    *full_rows("full_to"),
    ("Full synchronization, Dataverse → ERP", None),
    *full_rows("full_from"),
    ("Emulator's ceiling (CreateMultiple, no engine)", None),
    ("  records per second", lambda s: number(s["ceiling"]["records_per_second"])),
    ("  Tandem ERP → Dataverse / ceiling", lambda s: ratio(s["engine_vs_ceiling"])),
    ("Naive way (one POST per record, as Business Central)", None),
    ("  records per second", naive_rate),
    (
        "  estimated time for all records",
        lambda s: seconds(s["naive"]["estimated_seconds_for_size"]),
    ),
    ("  Tandem ERP → Dataverse / naive", lambda s: f"{s['engine_vs_naive'] or 0:.1f}×"),
    ("Work per 1,000 records created (CPU s, Tandem + emulator)", None),
    ("  full synchronization ERP → Dataverse", lambda s: number(s["full_to"]["work_per_1000"], 2)),
    ("  ceiling (the emulator alone)", lambda s: number(s["ceiling"]["work_per_1000"], 2)),
    ("  naive way", lambda s: number(s["naive"]["work_per_1000"], 2)),
    ("Incremental, first run after the full one (reads its echo)", None),
    *incremental_rows("settle", False),
    ("Incremental, no change", None),
    *incremental_rows("incremental_unchanged", False),
    ("Incremental, 1 % changed on each side", None),
    *incremental_rows("incremental_changed", True),
]


def render(doc: dict) -> str:
    sizes = doc["sizes"]
    header = ["records"] + [f"{s['size']:,}" for s in sizes]
    lines = [[label, *(cell(s) for s in sizes)] if cell else [label] for label, cell in ROWS]
    width = max(len(line[0]) for line in [header, *lines]) + 2
    columns = [
        max(len(line[i + 1]) for line in [header, *lines] if len(line) > i + 1) + 2
        for i in range(len(sizes))
    ]
    out = [title(doc), ""]
    for line in [header, *lines]:
        text = line[0].ljust(width)
        text += "".join(v.rjust(w) for v, w in zip(line[1:], columns, strict=False))
        out.append(text.rstrip())
    out += ["", "Targets"]
    for t in doc["targets"]:
        out.append(f"  {MARKS[t['met']]} {t['target']}: {t['value']} ({t['detail']})")
    if doc["problems"]:
        out += ["", "Problems (the figures above are not to be trusted)"]
        out += [f"  ! {problem}" for problem in doc["problems"]]
    return "\n".join(out)


def title(doc: dict) -> str:
    machine, config = doc["machine"], doc["config"]
    latency = config["latency_ms"]
    return (
        f"sync_bench: {doc['database']}, {machine['cpus']} CPUs, Python {machine['python']}, "
        f"load average {machine['load_average'][0]:.2f} at start; emulator on loopback"
        + (f" with {latency} ms added latency" if latency else "")
        + f"; {doc['total_seconds']:.0f} s in all"
    )
