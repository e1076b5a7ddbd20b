"""The table mapping a command names with ``--mapping``."""

from django.core.management.base import CommandError

from ..models import IntegrationTableMapping


def mapping_named(name: str) -> IntegrationTableMapping:
    mapping = IntegrationTableMapping.objects.filter(name=name).first()
    if mapping is None:
        raise CommandError(f"There is no integration table mapping {name}.")
    return mapping
