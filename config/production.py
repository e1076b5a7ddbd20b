"""Production settings: ``DJANGO_SETTINGS_MODULE=config.production``.

Refuses to start without a real SECRET_KEY, turns DEBUG off, and serves the Dataverse
emulator only when DATAVERSE_EMULATOR_ENABLED is set explicitly, and then only with
credentials of its own (the development ones are published in the README).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import (
    CACHES,
    DATAVERSE_EMULATOR_CLIENT_SECRET,
    DATAVERSE_EMULATOR_USER_CLIENT_SECRET,
    DEV_SECRET_KEY,
    LOGIN_THROTTLE,
    REDIS_URL,
    SECRET_KEY,
    VAR_DIR,
    env_bool,
    env_list,
)

if not os.environ.get("SECRET_KEY") or SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value for production.")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
DATAVERSE_EMULATOR_ENABLED = env_bool("DATAVERSE_EMULATOR_ENABLED", False)
if DATAVERSE_EMULATOR_ENABLED and {
    DATAVERSE_EMULATOR_CLIENT_SECRET,
    DATAVERSE_EMULATOR_USER_CLIENT_SECRET,
} & {"tandem-local-secret", "tandem-user-secret"}:
    raise ImproperlyConfigured(
        "The emulator is enabled with its development secrets: set "
        "DATAVERSE_EMULATOR_CLIENT_SECRET and DATAVERSE_EMULATOR_USER_CLIENT_SECRET."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Failed sign-ins are counted where every web process sees them (access/login_throttle.py).
CACHES = {
    **CACHES,
    "login_throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tandem-login-throttle",
        "TIMEOUT": LOGIN_THROTTLE["window_seconds"],
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "login-throttle"),
        "TIMEOUT": LOGIN_THROTTLE["window_seconds"],
    },
}
