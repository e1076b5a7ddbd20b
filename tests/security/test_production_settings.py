"""Production settings keep the protections on: the sign-in throttle shares its counts across
web processes, and the emulator stays off unless enabled (``tests/test_settings.py`` checks
that and ``check --deploy``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import json; from django.conf import settings; from django.urls import resolve, Resolver404\n"
    "try:\n    resolve('/emulator/_control/health'); emulator = True\n"
    "except Resolver404:\n    emulator = False\n"
    "print(json.dumps({'cache': settings.CACHES['login_throttle']['BACKEND'],"
    " 'middleware': settings.MIDDLEWARE, 'apps': settings.INSTALLED_APPS,"
    " 'debug': settings.DEBUG, 'emulator': emulator}))"
)


def production(tmp_path, **env) -> dict:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "DATAVERSE"))}
    variables.update(
        DJANGO_SETTINGS_MODULE="config.production",
        SECRET_KEY="p" * 60,
        TANDEM_VAR_DIR=str(tmp_path),
        **env,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "django.core.cache.backends.filebased.FileBasedCache"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_production_throttles_sign_ins_with_counts_every_process_sees(tmp_path, env, backend):
    found = production(tmp_path, **env)
    assert found["cache"] == backend, "not one count per process"
    assert "access.login_throttle.LoginThrottleMiddleware" in found["middleware"]
    assert "access" in found["apps"]
    assert found["debug"] is False and found["emulator"] is False
