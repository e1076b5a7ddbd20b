"""Charts of jobs, records and failures: the numbers per day and hour, and what is drawn."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclog import charts
from synclog.models import SyncJob

URL = reverse("synclog:job_list")


@pytest.fixture
def history(make_job):
    """Two jobs earlier today (one with failures) and one three days ago."""
    now = timezone.now()
    # Both of today's jobs must fall after local midnight, also when the suite runs at 00:05.
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = now - midnight
    step = min(timedelta(minutes=10), since_midnight / 2)
    make_job(started_at=now - step, inserted=5, modified=1)
    make_job(started_at=now - 2 * step, inserted=7, failed=2, deleted=1)
    make_job(started_at=now - timedelta(days=3), modified=4)
    make_job(started_at=now - timedelta(days=45), inserted=1000)  # outside every window
    return now


def test_daily_buckets_hold_the_totals_of_each_day(history):
    buckets = charts.chart_buckets(SyncJob.objects.all(), charts.WINDOWS["30d"], history)
    assert len(buckets) == 30
    today, three_days_ago = buckets[-1], buckets[-4]
    assert (today.jobs, today.failed_jobs, today.succeeded_jobs) == (2, 1, 1)
    assert (today.inserted, today.modified, today.deleted, today.failed) == (12, 1, 1, 2)
    assert (three_days_ago.jobs, three_days_ago.modified) == (1, 4)
    assert sum(b.jobs for b in buckets) == 3
    assert timezone.localtime(today.start).date() == timezone.localdate(history)


def test_hourly_buckets_cover_48_hours(history):
    buckets = charts.chart_buckets(SyncJob.objects.all(), charts.WINDOWS["48h"], history)
    assert len(buckets) == 48
    assert sum(b.jobs for b in buckets) == 2  # the job of three days ago is outside
    in_last_hour = [b for b in buckets if b.jobs]
    assert sum(b.inserted for b in in_last_hour) == 12
    assert buckets[-1].start == history.replace(minute=0, second=0, microsecond=0)


def test_a_bar_reaches_the_top_of_its_scale(db):
    window = charts.WINDOWS["48h"]
    buckets = [charts.Bucket(timezone.now(), "hour") for _ in range(4)]
    buckets[1].inserted, buckets[1].modified, buckets[3].inserted = 30, 20, 10
    chart = charts.bar_chart("c", "Records", buckets, charts.RECORD_SERIES, window)
    assert [label for _, label in chart.y_ticks] == [0, 25, 50]
    plot_height = chart.plot_bottom - charts.TOP
    inserted, modified, small = chart.bars
    assert inserted["height"] + modified["height"] == pytest.approx(plot_height, abs=0.2)
    assert modified["y"] == pytest.approx(charts.TOP, abs=0.2)  # stacked on top
    assert small["height"] == pytest.approx(plot_height / 5, abs=0.2)
    assert inserted["title"].endswith(": 30 inserted")
    assert chart.legend == [
        ("Inserted", 40, "inserted"),
        ("Modified", 20, "modified"),
        ("Deleted", 0, "deleted"),
    ]


@pytest.mark.parametrize(
    "value, ceiling", [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (45, 50), (180, 200), (501, 1000)]
)
def test_scales_end_on_round_numbers(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


def test_jobs_page_draws_three_accessible_charts_with_their_numbers(staff, history):
    html = staff.get(URL).content.decode()
    for chart_id, title in [("jobs", "Jobs"), ("records", "Records"), ("failures", "Failures")]:
        assert (
            f'<title id="synclog-chart-{chart_id}-title">{title}, last 30 days, per day</title>'
            in html
        )
        assert (
            f'aria-labelledby="synclog-chart-{chart_id}-title synclog-chart-{chart_id}-desc"'
            in html
        )
    assert "Without failures: <strong>2</strong>" in html
    assert "With failures: <strong>1</strong>" in html
    assert "Inserted: <strong>12</strong>" in html and "Modified: <strong>5</strong>" in html
    assert "Failed records: <strong>2</strong>" in html
    today = timezone.localtime(history).strftime("%a, %b ") + str(timezone.localtime(history).day)
    row = re.search(rf"<th scope=\"row\">{today}</th>(.*?)</tr>", html).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "1", "12", "1", "1", "2"]
    # Segments: jobs 2 today + 1 three days ago; records 3 + 1; failures 1 today.
    assert html.count('class="synclog-bar ') == 8


def test_hourly_charts_and_the_switch_between_windows(staff, history):
    html = staff.get(URL + "?chart=48h&table_mapping_name=CUSTOMER").content.decode()
    assert '<title id="synclog-chart-jobs-title">Jobs, last 48 hours, per hour</title>' in html
    assert "Without failures: <strong>1</strong>" in html  # the three-day-old job is outside
    assert '<a href="?chart=30d&amp;table_mapping_name=CUSTOMER">Last 30 days, per day</a>' in html


def test_charts_follow_the_filter(staff, history):
    html = staff.get(URL + "?table_mapping_name=CONTACT").content.decode()
    assert "Inserted: <strong>0</strong>" in html
    assert 'class="synclog-bar ' not in html
