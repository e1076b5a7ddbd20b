"""The standard mappings ("Use Default Synchronization Setup", PRODUCT.md §3).

The eight mappings are plain data below, in seed order; ``reset_to_defaults`` writes them.
Resetting a mapping replaces its settings, field mappings and schedule, as Business Central
does, but keeps every coupling: couplings name their tables, not their mapping.
"""

from dataclasses import dataclass, field

from django.db import transaction

from synclog.models import SyncDirection

from .models import ConnectionSetup, IntegrationFieldMapping, IntegrationTableMapping, SyncSchedule
from .services.schedules import schedules_ensure

TO = SyncDirection.TO_INTEGRATION_TABLE
FROM = SyncDirection.FROM_INTEGRATION_TABLE
BOTH = SyncDirection.BIDIRECTIONAL

DEFAULT_INTERVAL_MINUTES = 30
DEFAULT_INACTIVITY_TIMEOUT_MINUTES = 720


@dataclass(frozen=True)
class FieldDefault:
    local_field: str
    dataverse_column: str
    direction: str
    constant_value: str = ""
    match: bool = False
    not_null: bool = False
    clear_value_on_failed_sync: bool = False
    transformation_rule: str = ""


def const(value: str, column: str) -> FieldDefault:
    """A constant written to a Dataverse column, e.g. the relationship type of new accounts."""
    return FieldDefault("", column, TO, constant_value=value)


@dataclass(frozen=True)
class MappingDefault:
    name: str
    local_table: str
    dataverse_table: str
    direction: str
    fields: tuple[FieldDefault, ...]
    table_filter: dict = field(default_factory=dict)
    integration_table_filter: str = ""
    dependency_filter: str = ""
    synch_after_bulk_coupling: bool = False
    create_new_in_case_of_no_match: bool = False
    inactivity_timeout_minutes: int = DEFAULT_INACTIVITY_TIMEOUT_MINUTES


def _address(direction: str = BOTH) -> tuple[FieldDefault, ...]:
    return (
        FieldDefault("address", "address1_line1", direction),
        FieldDefault("address_2", "address1_line2", direction),
        FieldDefault("post_code", "address1_postalcode", direction),
        FieldDefault("city", "address1_city", direction),
        FieldDefault("country_region_code", "address1_country", direction),
        FieldDefault("county", "address1_stateorprovince", direction),
    )


def _company_fields() -> tuple[FieldDefault, ...]:
    """What customers and vendors share, up to the phone numbers and web site."""
    return (
        FieldDefault("name", "name", BOTH, match=True),
        FieldDefault("contact", "address1_primarycontactname", BOTH),
        *_address(),
        FieldDefault("phone_no", "telephone1", BOTH),
        FieldDefault("fax_no", "fax", BOTH),
        FieldDefault("email", "emailaddress1", BOTH),
        FieldDefault("home_page", "websiteurl", BOTH),
    )


CURRENCY = MappingDefault(
    "CURRENCY",
    "erp.currency",
    "transactioncurrency",
    TO,
    fields=(
        FieldDefault("code", "isocurrencycode", TO, match=True),
        FieldDefault("description", "currencyname", TO),
        FieldDefault("symbol", "currencysymbol", TO),
        FieldDefault("exchange_rate", "exchangerate", TO),
        const("2", "currencyprecision"),
    ),
    synch_after_bulk_coupling=True,
    create_new_in_case_of_no_match=True,
)

SALESPEOPLE = MappingDefault(
    "SALESPEOPLE",
    "erp.salespersonpurchaser",
    "systemuser",
    FROM,
    fields=(
        FieldDefault("email", "internalemailaddress", FROM, match=True),
        FieldDefault("name", "fullname", FROM),
        FieldDefault("phone_no", "mobilephone", FROM),
    ),
    integration_table_filter=(
        "isdisabled eq false and islicensed eq true and isintegrationuser eq false"
    ),
    inactivity_timeout_minutes=1440,
)

UNIT_OF_MEASURE = MappingDefault(
    "UNIT OF MEASURE",
    "erp.unitofmeasure",
    "uomschedule",
    TO,
    fields=(
        FieldDefault("code", "name", TO, match=True),
        FieldDefault("code", "baseuomname", TO),
    ),
    synch_after_bulk_coupling=True,
    create_new_in_case_of_no_match=True,
)

VENDOR = MappingDefault(
    "VENDOR",
    "erp.vendor",
    "account",
    BOTH,
    fields=(
        *_company_fields(),
        FieldDefault("currency", "transactioncurrencyid", BOTH),
        FieldDefault("purchaser", "ownerid", TO, not_null=True),
        const("11", "customertypecode"),
    ),
    table_filter={"blocked": [""]},
    integration_table_filter="customertypecode eq 11 and statecode eq 0",
    dependency_filter="CURRENCY|SALESPEOPLE",
)

CUSTOMER = MappingDefault(
    "CUSTOMER",
    "erp.customer",
    "account",
    BOTH,
    fields=(
        *_company_fields(),
        FieldDefault("credit_limit_lcy", "creditlimit", TO),
        FieldDefault("currency", "transactioncurrencyid", BOTH),
        FieldDefault("salesperson", "ownerid", TO, not_null=True),
        FieldDefault("primary_contact", "primarycontactid", BOTH, clear_value_on_failed_sync=True),
        const("3", "customertypecode"),
    ),
    table_filter={"blocked": [""]},
    integration_table_filter="customertypecode eq 3 and statecode eq 0",
    dependency_filter="CURRENCY|SALESPEOPLE",
)

CONTACT = MappingDefault(
    "CONTACT",
    "erp.contact",
    "contact",
    BOTH,
    fields=(
        FieldDefault("first_name", "firstname", BOTH),
        FieldDefault("middle_name", "middlename", BOTH),
        FieldDefault("surname", "lastname", BOTH, match=True),
        FieldDefault("email", "emailaddress1", BOTH, match=True),
        FieldDefault("phone_no", "telephone1", BOTH),
        FieldDefault("mobile_phone_no", "mobilephone", BOTH),
        *_address(),
        FieldDefault("currency", "transactioncurrencyid", BOTH),
        FieldDefault("salesperson", "ownerid", TO, not_null=True),
        FieldDefault("company", "parentcustomerid", BOTH),
    ),
    table_filter={"company": "set"},
    integration_table_filter="_parentcustomerid_value ne null and statecode eq 0",
    dependency_filter="CUSTOMER|VENDOR",
)


def _product_fields(name: str) -> tuple[FieldDefault, ...]:
    return (
        FieldDefault("no", "productnumber", TO, match=True),
        FieldDefault(name, "name", BOTH),
        FieldDefault("unit_price", "price", TO),
        FieldDefault("unit_cost", "standardcost", TO),
        FieldDefault("unit_cost", "currentcost", TO),
    )


RESOURCE_PRODUCT = MappingDefault(
    "RESOURCE-PRODUCT",
    "erp.resource",
    "product",
    BOTH,
    fields=(
        *_product_fields("name"),
        FieldDefault("capacity", "quantityonhand", TO),
        FieldDefault("base_unit_of_measure", "defaultuomscheduleid", TO),
        FieldDefault("base_unit_of_measure", "defaultuomid", TO),
        FieldDefault("blocked", "statecode", BOTH),
        const("3", "producttypecode"),
        const("2", "quantitydecimal"),
    ),
    table_filter={"blocked": "false"},
    integration_table_filter="producttypecode eq 3 and statecode eq 0",
    dependency_filter="UNIT OF MEASURE",
)

ITEM_PRODUCT = MappingDefault(
    "ITEM-PRODUCT",
    "erp.item",
    "product",
    BOTH,
    fields=(
        *_product_fields("description"),
        FieldDefault("unit_volume", "stockvolume", TO),
        FieldDefault("gross_weight", "stockweight", TO),
        FieldDefault(
            "inventory",
            "quantityonhand",
            TO,
            transformation_rule=IntegrationFieldMapping.TransformationRule.NEGATIVE_AS_ZERO,
        ),
        FieldDefault("base_unit_of_measure", "defaultuomscheduleid", BOTH),
        FieldDefault("base_unit_of_measure", "defaultuomid", TO),
        FieldDefault("blocked", "statecode", BOTH),
        const("1", "producttypecode"),
        const("2", "quantitydecimal"),
    ),
    table_filter={"blocked": "false"},
    integration_table_filter="producttypecode eq 1 and statecode eq 0",
    dependency_filter="UNIT OF MEASURE",
)

# Seed order: it breaks ties in the job order.
STANDARD_MAPPINGS: tuple[MappingDefault, ...] = (
    CURRENCY,
    SALESPEOPLE,
    UNIT_OF_MEASURE,
    VENDOR,
    CUSTOMER,
    CONTACT,
    RESOURCE_PRODUCT,
    ITEM_PRODUCT,
)


def standard_mapping(name: str) -> MappingDefault | None:
    return next((m for m in STANDARD_MAPPINGS if m.name == name), None)


@dataclass
class ResetResult:
    reset: list[str]
    not_standard: list[str]


def reset_to_defaults(names=None) -> ResetResult:
    """Create or reset the standard mappings named in ``names`` (all when None).

    Names that are not standard mappings are left alone and reported in ``not_standard``.
    """
    wanted = None if names is None else set(names)
    chosen = [m for m in STANDARD_MAPPINGS if wanted is None or m.name in wanted]
    with transaction.atomic():
        for default in chosen:
            _write_mapping(default)
        schedules_ensure(restart=[m.name for m in chosen])
    standard = {m.name for m in STANDARD_MAPPINGS}
    return ResetResult(
        reset=[m.name for m in chosen], not_standard=sorted((wanted or set()) - standard)
    )


def _mapping_values(default: MappingDefault) -> dict:
    return {
        "local_table": default.local_table,
        "dataverse_table": default.dataverse_table,
        "direction": default.direction,
        "table_filter": dict(default.table_filter),
        "integration_table_filter": default.integration_table_filter,
        "synch_only_coupled_records": True,
        "dependency_filter": default.dependency_filter,
        "update_conflict_resolution": IntegrationTableMapping.UpdateConflictResolution.NONE,
        "deletion_conflict_resolution": IntegrationTableMapping.DeletionConflictResolution.NONE,
        # A reset mapping starts over, as Business Central's re-created mapping does.
        "local_modified_on_filter": None,
        "dataverse_modified_on_filter": None,
        "dataverse_delta_link": "",
        "synch_after_bulk_coupling": default.synch_after_bulk_coupling,
        "create_new_in_case_of_no_match": default.create_new_in_case_of_no_match,
        "disable_event_job_resch": False,
    }


def _write_mapping(default: MappingDefault) -> IntegrationTableMapping:
    mapping, _ = IntegrationTableMapping.objects.update_or_create(
        name=default.name, defaults=_mapping_values(default)
    )
    mapping.field_mappings.all().delete()
    IntegrationFieldMapping.objects.bulk_create(
        _field_mapping(mapping, number, f) for number, f in enumerate(default.fields, start=1)
    )
    schedule, _ = SyncSchedule.objects.get_or_create(table_mapping=mapping)
    schedule.enabled = True
    schedule.interval_minutes = DEFAULT_INTERVAL_MINUTES
    schedule.inactivity_timeout_minutes = default.inactivity_timeout_minutes
    if schedule.status == SyncSchedule.Status.DISABLED:
        schedule.status = SyncSchedule.Status.READY
    schedule.save()
    return mapping


def _field_mapping(mapping, number: int, f: FieldDefault) -> IntegrationFieldMapping:
    unidirectional = f.direction != BOTH
    return IntegrationFieldMapping(
        table_mapping=mapping,
        order=number * 10,
        local_field=f.local_field,
        dataverse_column=f.dataverse_column,
        direction=f.direction,
        constant_value=f.constant_value,
        transformation_rule=f.transformation_rule,
        transformation_parameters={},
        transformation_direction=f.direction if f.transformation_rule and unidirectional else "",
        clear_value_on_failed_sync=f.clear_value_on_failed_sync,
        not_null=f.not_null,
        use_for_match_based_coupling=f.match,
        match_priority=0,
    )


def ensure_defaults() -> bool:
    """Make sure the connection setup exists; create the standard mappings when none exist.

    Returns True when the standard mappings were created.
    """
    ConnectionSetup.get()
    if IntegrationTableMapping.objects.exists():
        schedules_ensure()  # an installation from before the schedules, or one that lost them
        return False
    reset_to_defaults()
    return True
