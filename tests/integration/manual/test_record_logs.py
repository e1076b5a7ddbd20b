"""Every record card, and every mapping, leads to its own Synchronization Log.

The card's link and the list's "Synchronization Log" action must both land on the log page
showing the job whose error names the record: one test per table, so a table whose admin
misses the buttons shows up by name. Each mapping's action shows that mapping's jobs.
"""

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from erp.demo import DemoDataBuilder, DemoSizes
from integration.defaults import reset_to_defaults
from integration.models import ConnectionSetup, IntegrationTableMapping
from integration.services.records import mapping_for_model
from integration.signals import synchronizable_models
from synclog.models import SyncDirection, SyncJob, SyncJobError

TABLES = [
    "erp.contact",
    "erp.currency",
    "erp.customer",
    "erp.item",
    "erp.resource",
    "erp.salespersonpurchaser",
    "erp.unitofmeasure",
    "erp.vendor",
]


@pytest.fixture
def records(db):
    """One record of each table, and the standard mappings with the connection off."""
    setup = ConnectionSetup.get()
    setup.is_enabled = False
    setup.save()
    reset_to_defaults()
    sizes = DemoSizes(customers=1, vendors=1, contacts_per_company=1, items=1, resources=1)
    DemoDataBuilder(seed=11).load(sizes)
    models = synchronizable_models()
    return {m._meta.label_lower: m._default_manager.order_by("pk").first() for m in models}


@pytest.fixture
def admin(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


def failed_job_naming(record) -> SyncJob:
    """A job whose error names ``record``, as a run that failed it leaves behind."""
    table = record._meta.label_lower
    job = job_of(mapping_for_model(type(record)).name, local_table=table, failed=1)
    SyncJobError.objects.create(
        job=job, message="Failed.", local_table=table, local_id=record.system_id
    )
    return job


def job_of(mapping_name: str, **fields) -> SyncJob:
    return SyncJob.objects.create(
        table_mapping_name=mapping_name,
        direction=SyncDirection.TO_INTEGRATION_TABLE,
        dataverse_table="account",
        **fields,
    )


def card_log_link(html: str) -> str:
    found = re.search(r'<a href="([^"]+)" class="tandem-tool">Synchronization Log</a>', html)
    assert found, "no Synchronization Log on the card"
    return unescape(found[1])


def shown_jobs(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return set(re.findall(r'<tr id="job-([^"]+)"', response.content.decode()))


def test_every_synchronizable_table_is_checked():
    assert sorted(m._meta.label_lower for m in synchronizable_models()) == TABLES


@pytest.mark.parametrize("table", TABLES)
def test_a_record_card_and_its_list_lead_to_the_records_log(admin, records, table):
    record = records[table]
    neighbour = records["erp.customer" if table == "erp.currency" else "erp.currency"]
    mine = failed_job_naming(record)
    failed_job_naming(neighbour)  # another record's job: not on this record's log
    app, model = table.split(".")

    card = admin.get(reverse(f"admin:{app}_{model}_change", args=[record.pk]))
    from_card = card_log_link(card.content.decode())
    listed = admin.post(
        reverse(f"admin:{app}_{model}_changelist"),
        {"action": "synchronization_log", "_selected_action": [record.pk]},
    )

    assert listed.status_code == 302
    for url in (from_card, listed["Location"]):
        assert shown_jobs(admin, url) == {str(mine.pk)}, url


def test_each_mapping_leads_to_its_own_log(admin, records):
    mappings = list(IntegrationTableMapping.objects.order_by("name"))
    jobs = {m.name: job_of(m.name, local_table=m.local_table) for m in mappings}
    changelist = reverse("admin:integration_integrationtablemapping_changelist")

    for mapping in mappings:
        response = admin.post(
            changelist, {"action": "synchronization_log", "_selected_action": [mapping.pk]}
        )
        assert response.status_code == 302, mapping.name
        assert shown_jobs(admin, response["Location"]) == {str(jobs[mapping.name].pk)}


def test_a_mapping_card_leads_to_its_log_and_its_dataverse_rows(admin, records):
    mapping = IntegrationTableMapping.objects.get(name="CUSTOMER")
    mine = job_of(mapping.name, local_table=mapping.local_table)
    job_of("VENDOR", local_table="erp.vendor")

    card = admin.get(
        reverse("admin:integration_integrationtablemapping_change", args=[mapping.pk])
    ).content.decode()

    pattern = r'<li><a href="([^"]+)">([^<]+)</a>'
    links = {label: unescape(url) for url, label in re.findall(pattern, card)}
    assert shown_jobs(admin, links["Synchronization Log"]) == {str(mine.pk)}
    assert links["Dataverse account rows"] == reverse(
        "integration:dataverse_rows", args=["CUSTOMER"]
    )
