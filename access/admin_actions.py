"""Admin actions that come without a permission get one.

Django offers an action without ``allowed_permissions`` to everyone who may open the list. The
task admin of django-q2 ships "Resubmit selected tasks to queue" that way: someone allowed
only to look at finished tasks could run any of them again (a synchronization, a cleanup). It
now needs the permission to change the task. ``tests/security/test_permissions.py`` finds any
other such action.
"""

from django_q import admin as django_q_admin


def require_permissions() -> None:
    django_q_admin.resubmit_task.allowed_permissions = ("change",)
