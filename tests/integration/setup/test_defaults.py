"""Use Default Synchronization Setup: the standard mappings are exactly PRODUCT.md §3."""

import uuid

import pytest
from django.core.management import CommandError, call_command

from integration.defaults import reset_to_defaults
from integration.models import (
    ConnectionSetup,
    Coupling,
    IntegrationFieldMapping,
    IntegrationTableMapping,
    SyncSchedule,
)
from integration.validation import dependency_order, split_dependencies

pytestmark = pytest.mark.django_db

# PRODUCT.md §3 and docs/architecture.md "The standard mappings", written out again here so
# that a change to defaults.py that drifts from the specification fails this test.
# mapping: (local table, Dataverse table, direction, local filter, Dataverse filter,
#           depends on, minutes between runs, inactivity timeout)
EXPECTED_MAPPINGS = {
    "CURRENCY": ("erp.currency", "transactioncurrency", "→", {}, "", "", 30, 720),
    "SALESPEOPLE": (
        "erp.salespersonpurchaser", "systemuser", "←", {},
        "isdisabled eq false and islicensed eq true and isintegrationuser eq false",
        "", 30, 1440,
    ),
    "UNIT OF MEASURE": ("erp.unitofmeasure", "uomschedule", "→", {}, "", "", 30, 720),
    "VENDOR": (
        "erp.vendor", "account", "↔", {"blocked": [""]},
        "customertypecode eq 11 and statecode eq 0", "CURRENCY|SALESPEOPLE", 30, 720,
    ),
    "CUSTOMER": (
        "erp.customer", "account", "↔", {"blocked": [""]},
        "customertypecode eq 3 and statecode eq 0", "CURRENCY|SALESPEOPLE", 30, 720,
    ),
    "CONTACT": (
        "erp.contact", "contact", "↔", {"company": "set"},
        "_parentcustomerid_value ne null and statecode eq 0", "CUSTOMER|VENDOR", 30, 720,
    ),
    "RESOURCE-PRODUCT": (
        "erp.resource", "product", "↔", {"blocked": "false"},
        "producttypecode eq 3 and statecode eq 0", "UNIT OF MEASURE", 30, 720,
    ),
    "ITEM-PRODUCT": (
        "erp.item", "product", "↔", {"blocked": "false"},
        "producttypecode eq 1 and statecode eq 0", "UNIT OF MEASURE", 30, 720,
    ),
}  # fmt: skip

ADDRESS = [
    "address ↔ address1_line1",
    "address_2 ↔ address1_line2",
    "post_code ↔ address1_postalcode",
    "city ↔ address1_city",
    "country_region_code ↔ address1_country",
    "county ↔ address1_stateorprovince",
]
COMPANY = [
    "name ↔ name M",
    "contact ↔ address1_primarycontactname",
    *ADDRESS,
    "phone_no ↔ telephone1",
    "fax_no ↔ fax",
    "email ↔ emailaddress1",
    "home_page ↔ websiteurl",
]
# Field mappings in order: "local ARROW column FLAGS"; '3' is a constant; flags M (match),
# NN (not null), CVF (clear value on failed sync), rule names.
EXPECTED_FIELDS = {
    "CURRENCY": [
        "code → isocurrencycode M",
        "description → currencyname",
        "symbol → currencysymbol",
        "exchange_rate → exchangerate",
        "'2' → currencyprecision",
    ],
    "SALESPEOPLE": [
        "email ← internalemailaddress M",
        "name ← fullname",
        "phone_no ← mobilephone",
    ],
    "UNIT OF MEASURE": ["code → name M", "code → baseuomname"],
    "CUSTOMER": [
        *COMPANY,
        "credit_limit_lcy → creditlimit",
        "currency ↔ transactioncurrencyid",
        "salesperson → ownerid NN",
        "primary_contact ↔ primarycontactid CVF",
        "'3' → customertypecode",
    ],
    "VENDOR": [
        *COMPANY,
        "currency ↔ transactioncurrencyid",
        "purchaser → ownerid NN",
        "'11' → customertypecode",
    ],
    "CONTACT": [
        "first_name ↔ firstname",
        "middle_name ↔ middlename",
        "surname ↔ lastname M",
        "email ↔ emailaddress1 M",
        "phone_no ↔ telephone1",
        "mobile_phone_no ↔ mobilephone",
        *ADDRESS,
        "currency ↔ transactioncurrencyid",
        "salesperson → ownerid NN",
        "company ↔ parentcustomerid",
    ],
    "ITEM-PRODUCT": [
        "no → productnumber M",
        "description ↔ name",
        "unit_price → price",
        "unit_cost → standardcost",
        "unit_cost → currentcost",
        "unit_volume → stockvolume",
        "gross_weight → stockweight",
        "inventory → quantityonhand negative_as_zero",
        "base_unit_of_measure ↔ defaultuomscheduleid",
        "base_unit_of_measure → defaultuomid",
        "blocked ↔ statecode",
        "'1' → producttypecode",
        "'2' → quantitydecimal",
    ],
    "RESOURCE-PRODUCT": [
        "no → productnumber M",
        "name ↔ name",
        "unit_price → price",
        "unit_cost → standardcost",
        "unit_cost → currentcost",
        "capacity → quantityonhand",
        "base_unit_of_measure → defaultuomscheduleid",
        "base_unit_of_measure → defaultuomid",
        "blocked ↔ statecode",
        "'3' → producttypecode",
        "'2' → quantitydecimal",
    ],
}
ARROWS = {"to_integration_table": "→", "from_integration_table": "←", "bidirectional": "↔"}


def mapping_row(mapping):
    schedule = mapping.schedule
    return (
        mapping.local_table,
        mapping.dataverse_table,
        ARROWS[mapping.direction],
        mapping.table_filter,
        mapping.integration_table_filter,
        mapping.dependency_filter,
        schedule.interval_minutes,
        schedule.inactivity_timeout_minutes,
    )


def field_row(fm: IntegrationFieldMapping) -> str:
    flags = [
        "M" if fm.use_for_match_based_coupling else "",
        "NN" if fm.not_null else "",
        "CVF" if fm.clear_value_on_failed_sync else "",
        fm.transformation_rule,
    ]
    return " ".join(filter(None, [str(fm), *flags]))


def fields_of(mapping):
    return [field_row(fm) for fm in mapping.field_mappings.order_by("order")]


def test_the_defaults_are_the_standard_mappings_of_the_product_specification():
    reset_to_defaults()
    mappings = {m.name: m for m in IntegrationTableMapping.objects.all()}
    assert {name: mapping_row(m) for name, m in mappings.items()} == EXPECTED_MAPPINGS
    assert {name: fields_of(m) for name, m in mappings.items()} == EXPECTED_FIELDS
    for mapping in mappings.values():
        assert mapping.synch_only_coupled_records is True
        assert mapping.schedule.enabled is True
        fields = mapping.field_mappings.all()
        assert all(f.is_enabled and f.match_priority == 0 for f in fields)
    matched_after = {n for n, m in mappings.items() if m.synch_after_bulk_coupling}
    create_new = {n for n, m in mappings.items() if m.create_new_in_case_of_no_match}
    assert matched_after == create_new == {"CURRENCY", "UNIT OF MEASURE"}


def test_job_order_follows_the_dependency_filters_with_seed_order_breaking_ties():
    reset_to_defaults()
    seed = [
        "CURRENCY", "SALESPEOPLE", "UNIT OF MEASURE", "VENDOR",
        "CUSTOMER", "CONTACT", "RESOURCE-PRODUCT", "ITEM-PRODUCT",
    ]  # fmt: skip
    graph = {
        name: split_dependencies(IntegrationTableMapping.objects.get(name=name).dependency_filter)
        for name in seed
    }
    assert dependency_order(graph) == seed


def test_reset_restores_settings_fields_and_schedule_but_keeps_couplings():
    reset_to_defaults()
    customer = IntegrationTableMapping.objects.get(name="CUSTOMER")
    customer.direction = "to_integration_table"
    customer.table_filter = {}
    customer.synch_only_coupled_records = False
    customer.save()
    customer.field_mappings.filter(local_field="name").update(status="disabled")
    customer.field_mappings.filter(local_field="fax_no").delete()
    SyncSchedule.objects.filter(table_mapping=customer).update(
        interval_minutes=5, enabled=False, status="disabled"
    )
    coupling = Coupling.objects.create(
        local_table="erp.customer",
        local_id=uuid.uuid4(),
        dataverse_table="account",
        dataverse_id=uuid.uuid4(),
    )
    vendor_before = fields_of(IntegrationTableMapping.objects.get(name="VENDOR"))

    result = reset_to_defaults(["CUSTOMER"])

    assert result.reset == ["CUSTOMER"] and result.not_standard == []
    customer.refresh_from_db()
    assert mapping_row(customer) == EXPECTED_MAPPINGS["CUSTOMER"]
    assert customer.synch_only_coupled_records is True
    assert fields_of(customer) == EXPECTED_FIELDS["CUSTOMER"]
    schedule = SyncSchedule.objects.get(table_mapping=customer)
    assert (schedule.enabled, schedule.status) == (True, "ready")
    assert Coupling.objects.filter(pk=coupling.pk).exists()
    assert fields_of(IntegrationTableMapping.objects.get(name="VENDOR")) == vendor_before


def test_names_that_are_not_standard_mappings_are_reported_and_left_alone():
    IntegrationTableMapping.objects.create(
        name="MY ITEMS", local_table="erp.item", dataverse_table="product"
    )
    result = reset_to_defaults(["MY ITEMS", "CURRENCY"])
    assert result.reset == ["CURRENCY"]
    assert result.not_standard == ["MY ITEMS"]
    assert IntegrationTableMapping.objects.filter(name="MY ITEMS").exists()


def test_sync_setup_if_missing_creates_the_setup_once(capsys):
    call_command("sync_setup", "--if-missing")
    assert "Created the default synchronization setup." in capsys.readouterr().out
    assert IntegrationTableMapping.objects.count() == 8
    assert SyncSchedule.objects.count() == 8
    assert ConnectionSetup.objects.filter(pk=1).exists()

    IntegrationTableMapping.objects.filter(name="CURRENCY").update(direction="bidirectional")
    call_command("sync_setup", "--if-missing")
    assert "nothing changed" in capsys.readouterr().out
    currency = IntegrationTableMapping.objects.get(name="CURRENCY")
    assert currency.direction == "bidirectional"


def test_sync_setup_reset_restores_all_or_the_named_mappings(capsys):
    call_command("sync_setup", "--reset")
    IntegrationTableMapping.objects.filter(name__in=["CURRENCY", "CONTACT"]).update(
        dependency_filter=""
    )
    call_command("sync_setup", "--reset", "--mapping", "CONTACT")
    out = capsys.readouterr().out
    assert "Default synchronization setup restored: CONTACT." in out
    assert (
        IntegrationTableMapping.objects.get(name="CONTACT").dependency_filter == "CUSTOMER|VENDOR"
    )
    assert IntegrationTableMapping.objects.get(name="CURRENCY").dependency_filter == ""
    with pytest.raises(CommandError, match="Not a standard mapping: NOPE"):
        call_command("sync_setup", "--reset", "--mapping", "NOPE")
