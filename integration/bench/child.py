"""One benchmark step in a process of its own: ``python -m integration.bench.child STEP JSON``.

The step's result is printed as one JSON line after ``BENCH-RESULT``, with the process's
peak resident memory: measured here, in a process that did nothing else, it is the step's
own. ``base_rss_mb`` is the memory of a started Django process before the step, for scale.
"""

from __future__ import annotations

import json
import os
import resource
import sys


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def profiled(step, name: str, params: dict) -> dict:
    """Run the step, under cProfile when ``BENCH_PROFILE`` names a directory for the stats."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        return step(**params)
    import cProfile
    import time

    profile = cProfile.Profile()
    result = profile.runcall(step, **params)
    site = os.path.basename(os.environ.get("TANDEM_VAR_DIR", "site"))
    profile.dump_stats(os.path.join(directory, f"{site}-{name}-{time.monotonic_ns()}.prof"))
    return result


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from .processes import RESULT_MARK
    from .steps import STEPS

    name, params = argv[1], json.loads(argv[2] if len(argv) > 2 else "{}")
    base, cpu = peak_rss_mb(), cpu_seconds()
    result = profiled(STEPS[name], name, params)
    result.update(base_rss_mb=base, peak_rss_mb=peak_rss_mb(), cpu_seconds=cpu_seconds() - cpu)
    print(RESULT_MARK + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
