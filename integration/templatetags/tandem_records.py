"""The synchronization buttons of a record's card and the Dataverse rows link of a list."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..admin.records import record_log_url_for
from ..models import Coupling
from ..services.records import FROM, allows, mapping_for_model

register = template.Library()


@register.simple_tag(takes_context=True)
def record_sync_tools(context, record) -> dict:
    """The buttons on a record's card and what its coupling says, for the user's permissions."""
    request = context["request"]
    mapping = mapping_for_model(type(record)) if record is not None else None
    if mapping is None:
        return {}
    coupling = Coupling.objects.filter(
        local_table=mapping.local_table,
        dataverse_table=mapping.dataverse_table,
        local_id=record.system_id,
    ).first()
    label = record._meta.label_lower
    tools = []
    user = request.user
    if user.has_perm("integration.synchronize_records"):
        tools.append(("Synchronize Now", "synchronize_now", {"pks": record.pk}))
    if user.has_perm("integration.couple_records"):
        tools.append(("Set Up Coupling", "set_up_coupling", {"pk": record.pk}))
        if coupling is None and mapping.direction != FROM:
            tools.append(("Create in Dataverse", "create_in_dataverse", {"pks": record.pk}))
        if coupling is not None:
            tools.append(("Delete Coupling", "delete_coupling", {"pks": record.pk}))
    links = [
        (name, f"{reverse('integration:' + view)}?{urlencode({'model': label, **query})}")
        for name, view, query in tools
    ]
    if user.has_perm("synclog.view_syncjob"):
        links.append(("Synchronization Log", record_log_url_for(record)))
    return {"mapping": mapping, "coupling": coupling, "links": links}


@register.simple_tag(takes_context=True)
def dataverse_rows_link(context, opts) -> dict:
    """A link to the Dataverse rows page of the list's mapping ({} when there is none)."""
    request = context["request"]
    mapping = mapping_for_model(opts.model)
    if mapping is None or not request.user.has_perm("integration.view_integrationtablemapping"):
        return {}
    label = f"Dataverse {mapping.dataverse_table} rows"
    url = reverse("integration:dataverse_rows", args=[mapping.name])
    return {"label": label, "url": url, "create": allows(mapping, FROM)}
