"""What the synchronization commands print: progress bars on stderr, a summary or JSON.

``--json`` prints the resulting jobs (PRODUCT.md §8): mapping, direction, type, status, the
counters and the message.
"""

import json
import sys

from tqdm import tqdm

JOB_FIELDS = [
    "inserted",
    "modified",
    "deleted",
    "unchanged",
    "skipped",
    "failed",
    "coupled",
    "uncoupled",
]


def job_dict(job) -> dict:
    return {
        "mapping": job.table_mapping_name,
        "direction": job.direction,
        "type": job.job_type,
        "status": job.status,
        **{f: getattr(job, f) for f in JOB_FIELDS},
        "message": job.message,
    }


class ProgressBars:
    """One tqdm bar per job, fed by the engine's ``progress(job, processed, total)``."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bars = {}

    def __call__(self, job, processed, total) -> None:
        bar = self.bars.get(job.pk)
        if bar is None:
            bar = self.bars[job.pk] = tqdm(
                desc=f"{job.table_mapping_name} {job.direction_text}",
                total=total,
                unit="rec",
                file=sys.stderr,
                leave=True,
            )
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(processed - bar.n)

    @property
    def callback(self):
        return self if self.enabled else None

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def report_jobs(command, jobs, as_json: bool) -> None:
    if as_json:
        command.stdout.write(json.dumps([job_dict(j) for j in jobs], indent=2))
        return
    for job in jobs:
        counts = ", ".join(f"{getattr(job, f)} {f}" for f in JOB_FIELDS if getattr(job, f))
        kind = "" if job.job_type == "synchronization" else f" [{job.get_job_type_display()}]"
        line = f"{job.table_mapping_name:<18} {job.direction_text:<40} {counts or 'nothing'}{kind}"
        if job.message:
            line += f" — {job.message}"
        failed = job.status in ("failed", "skipped") or job.failed
        command.stdout.write((command.style.ERROR if failed else command.style.SUCCESS)(line))


def any_failed(jobs) -> bool:
    return any(job.status == "failed" for job in jobs)


def run_and_report(command, options, run) -> list:
    """Call ``run(progress)`` with progress bars, print its jobs; exit 1 if one failed."""
    bars = ProgressBars(not options["no_progress"])
    try:
        jobs = run(bars.callback)
    finally:
        bars.close()
    report_jobs(command, jobs, options["json"])
    if any_failed(jobs):
        sys.exit(1)
    return jobs
