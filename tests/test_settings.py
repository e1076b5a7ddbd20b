"""The settings read the environment: databases, broker, secrets and production hardening."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, router

from emulator.models import Counter
from erp.models import Customer

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_ENV = (
    "DATABASE_URL",
    "DATAVERSE_DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "DATAVERSE_URL",
    "PORT",
    "Q_TIMEOUT",
    "Q_RETRY",
    "DATAVERSE_EMULATOR_ENABLED",
)


def load_settings(monkeypatch, tmp_path, **env):
    """Execute config/settings.py afresh with ``env`` as the only Tandem variables."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TANDEM_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "settings_under_test", ROOT / "config/settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_use_sqlite_in_wal_mode_under_var(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path)
    default, dataverse = settings.DATABASES["default"], settings.DATABASES["dataverse"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(tmp_path / "tandem.sqlite3")
    assert "journal_mode=WAL" in default["OPTIONS"]["init_command"]
    assert dataverse["NAME"] == str(tmp_path / "dataverse.sqlite3")
    assert settings.DEBUG is True
    assert settings.SECRET_KEY == settings.DEV_SECRET_KEY
    assert settings.Q_CLUSTER["orm"] == "default" and "redis" not in settings.Q_CLUSTER


def test_database_urls_select_postgresql_for_each_alias(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://erp:pw@db.internal:5433/tandem",
        DATAVERSE_DATABASE_URL="postgres://dv@db.internal/dataverse",
    )
    default, dataverse = settings.DATABASES["default"], settings.DATABASES["dataverse"]
    assert default["ENGINE"] == "django.db.backends.postgresql"
    assert (default["HOST"], default["PORT"], default["NAME"]) == ("db.internal", 5433, "tandem")
    assert dataverse["NAME"] == "dataverse"
    assert "OPTIONS" not in default or "init_command" not in default["OPTIONS"]


def test_redis_url_switches_the_broker_and_keeps_retry_above_timeout(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")
    q = settings.Q_CLUSTER
    assert q["redis"] == "redis://127.0.0.1:6379/3" and "orm" not in q
    assert q["retry"] > q["timeout"]
    assert q["catch_up"] is False


def test_retry_not_above_timeout_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="Q_RETRY must be larger"):
        load_settings(monkeypatch, tmp_path, Q_TIMEOUT="600", Q_RETRY="600")


def test_secret_key_debug_and_dataverse_url_come_from_the_environment(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, SECRET_KEY="k" * 60, DEBUG="false", PORT="9001")
    assert settings.SECRET_KEY == "k" * 60
    assert settings.DEBUG is False
    assert settings.DATAVERSE_URL == "http://127.0.0.1:9001/emulator"


def run_manage(*args, **env):
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.production",
        SECRET_KEY="a-long-random-production-key-" + "x" * 40,
        ALLOWED_HOSTS="tandem.example.com",
        TANDEM_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_the_development_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.production", TANDEM_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_settings_do_not_serve_the_emulator_unless_enabled(tmp_path):
    script = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/emulator/api/data/v9.2/')\n    print('served')\n"
        "except Resolver404:\n    print('not served')\n"
    )
    common = dict(
        DJANGO_SETTINGS_MODULE="config.production",
        SECRET_KEY="p" * 60,
        TANDEM_VAR_DIR=str(tmp_path),
    )
    secrets = dict(
        DATAVERSE_EMULATOR_CLIENT_SECRET="own-secret-1",
        DATAVERSE_EMULATOR_USER_CLIENT_SECRET="own-secret-2",
    )
    off = run_manage("shell", "-c", script, **common)
    on = run_manage("shell", "-c", script, DATAVERSE_EMULATOR_ENABLED="1", **common, **secrets)
    assert off.stdout.strip().endswith("not served"), off.stderr
    assert on.stdout.strip().endswith("served") and "not served" not in on.stdout, on.stderr


def test_production_settings_refuse_the_emulator_with_its_development_secrets(tmp_path):
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.production",
        SECRET_KEY="p" * 60,
        TANDEM_VAR_DIR=str(tmp_path),
        DATAVERSE_EMULATOR_ENABLED="1",
    )
    assert result.returncode != 0
    assert "set DATAVERSE_EMULATOR_CLIENT_SECRET" in result.stderr


def test_models_and_migrations_are_in_step():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db(databases=["default", "dataverse"])
def test_the_emulator_keeps_its_tables_in_its_own_database():
    def tables(alias):
        return set(connections[alias].introspection.table_names())

    default, dataverse = tables("default"), tables("dataverse")
    emulator_tables = {t for t in default | dataverse if t.startswith("emulator_")}
    assert {"emulator_account", "emulator_contact"} <= emulator_tables <= dataverse
    assert not emulator_tables & default
    assert {"erp_customer", "integration_coupling", "synclog_syncjob"} <= default
    assert not any(t.startswith(("erp_", "integration_", "synclog_")) for t in dataverse)
    assert router.db_for_write(Counter) == "dataverse"
    assert router.db_for_write(Customer) == "default"
