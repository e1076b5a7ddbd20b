"""Charts of jobs, records and failures over time, drawn on the server as inline SVG.

One aggregate query fills every bucket of a window (per day for 30 days, or per hour for 48
hours); the geometry is computed here so that the template only places rectangles and text.
Hours are bucketed in UTC (every hour exists there, whatever daylight saving does) and
labelled in local time; days are local days.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from django.utils.dateformat import format as date_format

from .selectors import HAS_FAILURES


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    unit: str  # "day" or "hour"
    count: int


WINDOWS = {
    "30d": Window("30d", "Last 30 days, per day", "day", 30),
    "48h": Window("48h", "Last 48 hours, per hour", "hour", 48),
}
DEFAULT_WINDOW = "30d"


@dataclass
class Bucket:
    start: datetime
    unit: str
    jobs: int = 0
    failed_jobs: int = 0
    inserted: int = 0
    modified: int = 0
    deleted: int = 0
    failed: int = 0

    @property
    def succeeded_jobs(self) -> int:
        return self.jobs - self.failed_jobs

    @property
    def short_label(self) -> str:
        local = timezone.localtime(self.start)
        return date_format(local, "M j" if self.unit == "day" else "H:i")

    @property
    def label(self) -> str:
        local = timezone.localtime(self.start)
        return date_format(local, "D, M j" if self.unit == "day" else "M j, H:i")


def bucket_starts(window: Window, now: datetime) -> list[datetime]:
    if window.unit == "day":
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return [today - timedelta(days=i) for i in reversed(range(window.count))]
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [hour - timedelta(hours=i) for i in reversed(range(window.count))]


def bucket_key(value: datetime, unit: str):
    if unit == "day":
        return timezone.localtime(value).date()
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def chart_buckets(jobs: QuerySet, window: Window, now: datetime | None = None) -> list[Bucket]:
    """Return one bucket per day or hour of ``window`` with the totals of ``jobs`` in it."""
    starts = bucket_starts(window, now or timezone.now())
    if window.unit == "day":
        trunc = TruncDay("started_at", tzinfo=timezone.get_current_timezone())
    else:
        trunc = TruncHour("started_at", tzinfo=UTC)
    rows = (
        jobs.filter(started_at__gte=starts[0])
        .annotate(bucket=trunc)
        .values("bucket")
        .annotate(
            n_jobs=Count("pk"),
            n_failed_jobs=Count("pk", filter=HAS_FAILURES),
            n_inserted=Sum("inserted"),
            n_modified=Sum("modified"),
            n_deleted=Sum("deleted"),
            n_failed=Sum("failed"),
        )
        .order_by("bucket")
    )
    buckets = {bucket_key(start, window.unit): Bucket(start, window.unit) for start in starts}
    for row in rows:
        bucket = buckets.get(bucket_key(row["bucket"], window.unit))
        if bucket is None:
            continue  # a job started in the future, by a clock that runs ahead
        for name in ("jobs", "failed_jobs", "inserted", "modified", "deleted", "failed"):
            setattr(bucket, name, row[f"n_{name}"] or 0)
    return list(buckets.values())


# Geometry of every chart, in SVG user units; the SVG scales to its container's width.
WIDTH, HEIGHT = 400, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 8, 22
MAX_X_LABELS = 6


@dataclass(frozen=True)
class Series:
    attr: str
    label: str
    css: str


@dataclass
class BarChart:
    id: str
    title: str
    window: Window
    series: list[tuple[Series, int]]  # each series with its total over the window
    bars: list[dict] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)  # x, text, anchor
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def description(self) -> str:
        totals = ", ".join(f"{label.lower()} {total}" for label, total, _ in self.legend)
        return f"{self.window.label}. Totals: {totals}."

    @property
    def legend(self) -> list[tuple[str, int, str]]:
        return [(series.label, total, series.css) for series, total in self.series]


def nice_ceiling(value: int) -> int:
    """Return the smallest of 1, 2, 5, 10, 20, 50, … that is at least ``value``."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if value <= m * magnitude)


def bar_chart(chart_id: str, title: str, buckets: list[Bucket], series: list[Series], window):
    """Lay out a stacked bar chart: one bar per bucket, one segment per series."""
    totals = [(s, sum(getattr(b, s.attr) for b in buckets)) for s in series]
    chart = BarChart(chart_id, title, window, totals)
    top = nice_ceiling(max((sum(getattr(b, s.attr) for s in series) for b in buckets), default=0))
    plot_height = chart.plot_bottom - TOP
    slot = (chart.plot_right - LEFT) / max(len(buckets), 1)
    for i, bucket in enumerate(buckets):
        x, baseline = LEFT + i * slot + slot * 0.15, chart.plot_bottom
        for s in series:
            value = getattr(bucket, s.attr)
            if not value:
                continue
            height = value / top * plot_height
            baseline -= height
            chart.bars.append(
                {
                    "x": round(x, 1),
                    "y": round(baseline, 1),
                    "width": round(slot * 0.7, 1),
                    "height": round(height, 1),
                    "css": s.css,
                    "title": f"{bucket.label}: {value} {s.label.lower()}",
                }
            )
    ticks = [0, top // 2, top] if top % 2 == 0 else [0, top]
    chart.y_ticks = [(round(chart.plot_bottom - t / top * plot_height, 1), t) for t in ticks]
    step = math.ceil(len(buckets) / MAX_X_LABELS) or 1
    for i, bucket in enumerate(buckets):
        if (len(buckets) - 1 - i) % step == 0:
            x = round(LEFT + (i + 0.5) * slot, 1)
            # A label centred on the last bar would run off the right edge.
            if x > chart.plot_right - 20:
                chart.x_labels.append((chart.plot_right, bucket.short_label, "end"))
            else:
                chart.x_labels.append((x, bucket.short_label, "middle"))
    return chart


JOB_SERIES = [
    Series("succeeded_jobs", "Without failures", "ok"),
    Series("failed_jobs", "With failures", "failed"),
]
RECORD_SERIES = [
    Series("inserted", "Inserted", "inserted"),
    Series("modified", "Modified", "modified"),
    Series("deleted", "Deleted", "deleted"),
]
FAILURE_SERIES = [Series("failed", "Failed records", "failed")]


def job_charts(jobs: QuerySet, window_key: str, now: datetime | None = None) -> dict:
    """Return the three charts of the jobs page and the numbers behind them."""
    window = WINDOWS.get(window_key) or WINDOWS[DEFAULT_WINDOW]
    buckets = chart_buckets(jobs, window, now)
    return {
        "window": window,
        "windows": list(WINDOWS.values()),
        "buckets": buckets,
        "charts": [
            bar_chart("synclog-chart-jobs", "Jobs", buckets, JOB_SERIES, window),
            bar_chart("synclog-chart-records", "Records", buckets, RECORD_SERIES, window),
            bar_chart("synclog-chart-failures", "Failures", buckets, FAILURE_SERIES, window),
        ],
    }
