"""The settings of scheduled synchronization come from the environment."""

from tests.test_settings import load_settings

NAMES = ("Q_SCHEDULER", "Q_CLUSTER_NAME", "TANDEM_LEASE_SECONDS", "TANDEM_RUN_WAIT_SECONDS")


def test_defaults(monkeypatch, tmp_path):
    for name in (*NAMES, "TANDEM_WAKE_THROTTLE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(monkeypatch, tmp_path)
    q = settings.Q_CLUSTER
    assert (q["name"], q["scheduler"], q["max_attempts"], q["ack_failures"]) == (
        "tandem",
        True,
        1,
        True,
    )
    assert q["retry"] > q["timeout"] and q["catch_up"] is False
    assert settings.TANDEM_LEASE_SECONDS == 120
    assert settings.TANDEM_RUN_WAIT_SECONDS == 10
    assert settings.TANDEM_WAKE_THROTTLE_SECONDS == 10


def test_an_extra_machine_without_the_scheduler(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        Q_SCHEDULER="0",
        Q_CLUSTER_NAME="tandem-eu",
        TANDEM_LEASE_SECONDS="300",
        TANDEM_RUN_WAIT_SECONDS="0",
    )
    assert (settings.Q_CLUSTER["scheduler"], settings.Q_CLUSTER["name"]) == (False, "tandem-eu")
    assert (settings.TANDEM_LEASE_SECONDS, settings.TANDEM_RUN_WAIT_SECONDS) == (300, 0)
