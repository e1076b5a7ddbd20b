"""Tandem settings: everything that differs between machines comes from the environment.

Defaults give a working development set-up with no configuration: SQLite files under
``var/``, django-q2 on the ORM broker, and the built-in Dataverse emulator served under
``/emulator/``. ``DATABASE_URL``, ``DATAVERSE_DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis; ``config.production`` hardens the rest.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TANDEM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# A development key: config.production refuses to start without a real one.
DEV_SECRET_KEY = "django-insecure-tandem-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_q",
    "erp",
    "synclog",
    "integration",
    "emulator",
    "access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pauses signing in after repeated failures (access/login_throttle.py).
    "access.login_throttle.LoginThrottleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str | None, sqlite_file: Path) -> dict:
    """Return a DATABASES entry for ``url``, or for a WAL-mode SQLite file when unset."""
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_file)}
    if os.environ.get("TANDEM_TEST_DATABASE_PREFIX") and url:
        # Lets several test runs share one PostgreSQL server without sharing a database.
        name = f"{os.environ['TANDEM_TEST_DATABASE_PREFIX']}_{config.get('NAME') or 'db'}"
        config.setdefault("TEST", {})["NAME"] = name
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server, the workers and the emulator read while one writes;
        # IMMEDIATE transactions make writers queue instead of failing with "locked".
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        config.setdefault("TEST", {})
    return config


DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL"), VAR_DIR / "tandem.sqlite3"),
    # The Dataverse emulator keeps its rows in a database of its own, like a remote service.
    "dataverse": database_from_url(
        os.environ.get("DATAVERSE_DATABASE_URL"), VAR_DIR / "dataverse.sqlite3"
    ),
}
DATABASE_ROUTERS = ["config.routers.EmulatorRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# django-q2. The ORM broker needs nothing but the database; REDIS_URL switches to Redis.
# ``retry`` must exceed ``timeout``: otherwise a long synchronization still running is
# handed to a second worker. ``catch_up`` off: a cluster that was down runs each missed
# schedule once, not once per missed interval. ``max_attempts`` 1 and ``ack_failures``: a
# failed run is not repeated by the broker; the next scheduled run picks up its work.
# Every cluster runs django-q2's scheduler unless Q_SCHEDULER=0; it locks due schedules
# (SELECT ... FOR UPDATE on PostgreSQL, an IMMEDIATE transaction on SQLite), so two
# schedulers never fire one due schedule twice (docs/scaling.md). Q_CLUSTER_NAME keeps
# installations that share one Redis apart (it prefixes the queue's keys).
Q_CLUSTER = {
    "name": os.environ.get("Q_CLUSTER_NAME", "tandem"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "recycle": 200,
    "timeout": int(os.environ.get("Q_TIMEOUT", "3600")),
    "retry": int(os.environ.get("Q_RETRY", "3900")),
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Django Q2",
    "scheduler": env_bool("Q_SCHEDULER", True),
}
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5
if Q_CLUSTER["retry"] <= Q_CLUSTER["timeout"]:
    raise ValueError("Q_RETRY must be larger than Q_TIMEOUT, or long jobs run twice.")

# The Dataverse emulator (app ``emulator``): on by default in development only.
DATAVERSE_EMULATOR_ENABLED = env_bool("DATAVERSE_EMULATOR_ENABLED", True)
DATAVERSE_EMULATOR_TENANT = os.environ.get("DATAVERSE_EMULATOR_TENANT", "local")
DATAVERSE_EMULATOR_CLIENT_ID = os.environ.get("DATAVERSE_EMULATOR_CLIENT_ID", "tandem-local")
DATAVERSE_EMULATOR_CLIENT_SECRET = os.environ.get(
    "DATAVERSE_EMULATOR_CLIENT_SECRET", "tandem-local-secret"
)
DATAVERSE_EMULATOR_USER_CLIENT_ID = os.environ.get(
    "DATAVERSE_EMULATOR_USER_CLIENT_ID", "tandem-user"
)
DATAVERSE_EMULATOR_USER_CLIENT_SECRET = os.environ.get(
    "DATAVERSE_EMULATOR_USER_CLIENT_SECRET", "tandem-user-secret"
)

# The environment URL of the connection created by default.
PORT = int(os.environ.get("PORT", "8000"))
DATAVERSE_URL = os.environ.get("DATAVERSE_URL", f"http://127.0.0.1:{PORT}/emulator")

# Key for secrets stored in the database (the client secret). Derived from SECRET_KEY
# unless given, so rotating SECRET_KEY without TANDEM_ENCRYPTION_KEY makes stored secrets
# unreadable (Test Connection then asks for the secret again).
TANDEM_ENCRYPTION_KEY = os.environ.get("TANDEM_ENCRYPTION_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

# Dataverse emulator runtime knobs (docs/emulator.md). Limits and faults are JSON objects,
# e.g. DATAVERSE_EMULATOR_LIMITS='{"requests": 100, "window_seconds": 10}' or
# DATAVERSE_EMULATOR_FAULTS='{"latency_ms": 50, "error_rate": 0.1, "seed": 7}'; the control
# endpoint (/emulator/_control/…) changes them at run time.
import json as _json  # noqa: E402

DATAVERSE_EMULATOR_TOKEN_LIFETIME = int(os.environ.get("DATAVERSE_EMULATOR_TOKEN_LIFETIME", "3599"))
DATAVERSE_EMULATOR_DOP_HINT = int(os.environ.get("DATAVERSE_EMULATOR_DOP_HINT", "4"))
DATAVERSE_EMULATOR_CONTROL_KEY = os.environ.get("DATAVERSE_EMULATOR_CONTROL_KEY", "")
DATAVERSE_EMULATOR_LIMITS = _json.loads(os.environ.get("DATAVERSE_EMULATOR_LIMITS") or "{}")
DATAVERSE_EMULATOR_FAULTS = _json.loads(os.environ.get("DATAVERSE_EMULATOR_FAULTS") or "{}")

# The synchronization engine: records per page (one coupling query, one bulk write per page).
TANDEM_PAGE_SIZE = int(os.environ.get("TANDEM_PAGE_SIZE", "1000"))

# Scheduled synchronization (docs/scaling.md). A run holds its mapping's lease, renewed every
# page; a holder on another machine that stops renewing loses it after this many seconds.
TANDEM_LEASE_SECONDS = int(os.environ.get("TANDEM_LEASE_SECONDS", "120"))
# How long a scheduled run or Run Now waits for a run of the same mapping already under way,
# before it is recorded as a skipped job.
TANDEM_RUN_WAIT_SECONDS = float(os.environ.get("TANDEM_RUN_WAIT_SECONDS", "10"))
# A local change wakes its mapping's sleeping schedule at most once per this many seconds per
# table and process, so a bulk of saves costs a query now and then, not one per row.
TANDEM_WAKE_THROTTLE_SECONDS = float(os.environ.get("TANDEM_WAKE_THROTTLE_SECONDS", "10"))

# Sign-in throttle (access/login_throttle.py): failed sign-ins per user name and address, and
# per address, counted in the cache "login_throttle" for a window after the last failure.
# In development the count lives in the process's memory; config.production shares it between
# processes (Redis, or a file cache). LOGIN_THROTTLE_ADDRESS_HEADER names the header a trusted
# reverse proxy sets to the caller's address (e.g. HTTP_X_REAL_IP); unset, REMOTE_ADDR is used.
LOGIN_THROTTLE = {
    "window_seconds": int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900")),
    "per_user_and_address": int(os.environ.get("LOGIN_THROTTLE_PER_USER", "5")),
    "per_address": int(os.environ.get("LOGIN_THROTTLE_PER_ADDRESS", "20")),
    "address_header": os.environ.get("LOGIN_THROTTLE_ADDRESS_HEADER", ""),
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login_throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "login-throttle",
        "TIMEOUT": LOGIN_THROTTLE["window_seconds"],
    },
}
