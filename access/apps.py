"""Who may sign in, and what a signed-in person may run: the sign-in throttle, and
permissions on admin actions that other apps ship without one."""

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access"

    def ready(self):
        from . import admin_actions, login_throttle  # noqa: F401  (signal receivers)

        admin_actions.require_permissions()
