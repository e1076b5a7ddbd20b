"""Field-level decisions on plain data: what flows where, what is a conflict."""

import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest

from integration.engine import merge
from integration.engine.specs import BOTH, FROM, TO, FieldSpec
from integration.engine.transfer import SKIP
from integration.engine.values import canonical
from integration.ordering import job_order


def spec(local, column, direction=BOTH, **kw):
    defaults = {
        "order": 0,
        "constant": "",
        "rule": "",
        "rule_parameters": {},
        "rule_direction": "",
        "clear_value_on_failed_sync": False,
        "not_null": False,
        "validate": True,
        "attribute_type": "String",
    }
    return FieldSpec(local_field=local, column=column, direction=direction, **{**defaults, **kw})


NAME = spec("name", "name")
CITY = spec("city", "address1_city")
CREDIT = spec("credit_limit_lcy", "creditlimit", TO, attribute_type="Money")
SPECS = [NAME, CITY, CREDIT]


def identity(source):
    return lambda s: (source.get(s.local_field), source.get(s.local_field))


def test_canonical_values_compare_equal_across_sides():
    assert canonical(Decimal("5000.00000")) == canonical(5000.0) == "5000"
    assert canonical("") is None and canonical(None) is None
    guid = uuid.uuid4()
    assert canonical(guid) == canonical(str(guid).upper())
    assert canonical(True) is True and canonical(3) == 3


def test_only_the_fields_changed_locally_are_sent():
    base = {"name": "Adatum", "city": "Oslo", "credit_limit_lcy": "100"}
    now = {**base, "city": "Bergen"}
    decision = merge.to_dataverse(
        SPECS,
        now,
        base,
        None,
        dict(name="Adatum", address1_city="Oslo", creditlimit="100"),
        identity(now),
    )
    assert decision.changes == {"address1_city": ("Bergen", "Bergen")}
    assert not decision.conflicts


def test_unchanged_record_sends_nothing():
    base = {"name": "Adatum", "city": "Oslo"}
    decision = merge.to_dataverse(
        SPECS[:2],
        dict(base),
        base,
        None,
        {"name": "Adatum", "address1_city": "Oslo"},
        identity(base),
    )
    assert not decision.has_changes


def test_same_field_changed_on_both_sides_to_different_values_is_a_conflict():
    local_base = {"name": "Adatum", "city": "Oslo"}
    dv_base = {"name": "Adatum", "address1_city": "Oslo"}
    local_now = {"name": "Adatum Corp", "city": "Oslo"}
    dv_now = {"name": "Adatum Corporation", "address1_city": "Bergen"}
    decision = merge.to_dataverse(
        SPECS[:2], local_now, local_base, dv_now, dv_base, identity(local_now)
    )
    assert [c.spec.column for c in decision.conflicts] == ["name"]
    assert decision.conflicts[0].local_value == "Adatum Corp"
    assert decision.conflicts[0].dataverse_value == "Adatum Corporation"
    assert not decision.changes, "the city changed only in Dataverse: the From pass brings it"


def test_both_sides_changed_to_the_same_value_is_no_conflict():
    local_base = {"name": "Adatum"}
    dv_base = {"name": "Adatum"}
    decision = merge.to_dataverse(
        [NAME],
        {"name": "Adatum AS"},
        local_base,
        {"name": "Adatum AS"},
        dv_base,
        identity({"name": "Adatum AS"}),
    )
    assert not decision.conflicts and not decision.changes


def test_from_pass_merges_remote_changes_and_respects_local_ones():
    local_base = {"name": "Adatum", "city": "Oslo"}
    dv_base = {"name": "Adatum", "address1_city": "Oslo"}
    local_now = {"name": "Adatum", "city": "Oslo"}
    dv_now = {"name": "Adatum", "address1_city": "Bergen"}
    convert = lambda s: ({s.local_field: dv_now[s.column]}, dv_now[s.column])  # noqa: E731
    decision = merge.to_local([NAME, CITY], dv_now, dv_base, local_now, local_base, convert)
    assert decision.changes == {"city": ({"city": "Bergen"}, "Bergen")}


def test_force_writes_every_differing_value_without_conflicts():
    local_now = {"name": "Mine", "city": "Oslo"}
    dv_now = {"name": "Theirs", "address1_city": "Oslo"}
    decision = merge.to_dataverse(
        SPECS[:2], local_now, local_now, dv_now, {"name": "Old"}, identity(local_now), force=True
    )
    assert decision.changes == {"name": ("Mine", "Mine")}
    assert not decision.conflicts


def test_not_null_and_clear_value_skips_are_left_out():
    owner = spec("salesperson", "ownerid", TO, attribute_type="Owner", not_null=True)
    decision = merge.to_dataverse(
        [owner], {"salesperson": None}, {}, None, {}, lambda s: SKIP, insert=True
    )
    assert not decision.changes


def test_conflict_error_names_fields_and_both_values():
    conflict = merge.Conflict(NAME, "Adatum Corp", "Adatum Corporation")
    error = merge.conflict_error([conflict], "Customer C00001 Adatum", "Dataverse account row")
    assert "name is 'Adatum Corp' here and name is 'Adatum Corporation' in Dataverse" in str(error)
    assert "Customer C00001" in str(error)


def test_from_direction_spec_carries_only_its_direction():
    assert spec("email", "internalemailaddress", FROM).carries(FROM)
    assert not spec("email", "internalemailaddress", FROM).carries(TO)


@pytest.mark.parametrize(
    "names, expected",
    [
        (
            [
                "ITEM-PRODUCT",
                "CONTACT",
                "CUSTOMER",
                "VENDOR",
                "SALESPEOPLE",
                "CURRENCY",
                "UNIT OF MEASURE",
                "RESOURCE-PRODUCT",
            ],
            [
                "CURRENCY",
                "SALESPEOPLE",
                "UNIT OF MEASURE",
                "VENDOR",
                "CUSTOMER",
                "CONTACT",
                "RESOURCE-PRODUCT",
                "ITEM-PRODUCT",
            ],
        ),
    ],
)
def test_job_order_follows_dependencies_then_the_seed_order(names, expected):
    deps = {
        "VENDOR": ["CURRENCY", "SALESPEOPLE"],
        "CUSTOMER": ["CURRENCY", "SALESPEOPLE"],
        "CONTACT": ["CUSTOMER", "VENDOR"],
        "RESOURCE-PRODUCT": ["UNIT OF MEASURE"],
        "ITEM-PRODUCT": ["UNIT OF MEASURE"],
    }
    mappings = [SimpleNamespace(name=n, dependencies=deps.get(n, [])) for n in names]
    assert [m.name for m in job_order(mappings)] == expected


def test_job_order_puts_a_custom_mapping_after_its_dependency():
    custom = SimpleNamespace(name="AAA CUSTOM", dependencies=["CONTACT"])
    contact = SimpleNamespace(name="CONTACT", dependencies=[])
    assert [m.name for m in job_order([custom, contact])] == ["CONTACT", "AAA CUSTOM"]
