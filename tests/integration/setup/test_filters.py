"""Local table filters: FilterSets built for any model, stored as form data, applied exactly."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.models import Contact, Customer, Item, UnitOfMeasure, Vendor
from integration.filters import (
    apply_table_filter,
    check_table_filter,
    describe_table_filter,
    filterset_for,
    integration_filter_problems,
)
from integration.models import IntegrationTableMapping

pytestmark = pytest.mark.django_db


def mapping_with(table_filter):
    return IntegrationTableMapping(name="T", table_filter=table_filter)


@pytest.fixture
def customers():
    made = {}
    for no, blocked, limit in [
        ("C1", "", "0"),
        ("C2", "ship", "500"),
        ("C3", "all", "5000"),
        ("C4", "", "10000"),
    ]:
        made[no] = Customer.objects.create(
            no=no, name=f"Customer {no}", blocked=blocked, credit_limit_lcy=Decimal(limit)
        )
    return made


def numbers(queryset):
    return sorted(queryset.values_list("no", flat=True))


def test_blocked_is_blank_keeps_customers_that_are_not_blocked(customers):
    queryset = apply_table_filter(mapping_with({"blocked": [""]}), Customer.objects.all())
    assert numbers(queryset) == ["C1", "C4"]


def test_conditions_combine_and_ranges_have_two_ends(customers):
    mapping = mapping_with({"blocked": ["", "ship"], "credit_limit_lcy_min": "100"})
    assert numbers(apply_table_filter(mapping, Customer.objects.all())) == ["C2", "C4"]
    mapping = mapping_with({"credit_limit_lcy_min": "100", "credit_limit_lcy_max": "5000"})
    assert numbers(apply_table_filter(mapping, Customer.objects.all())) == ["C2", "C3"]


def test_an_empty_filter_keeps_the_queryset_as_it_is(customers):
    queryset = Customer.objects.filter(no__in=["C1", "C3"])
    assert apply_table_filter(mapping_with({}), queryset) is queryset
    assert numbers(apply_table_filter(mapping_with({"name": "", "blocked": []}), queryset)) == [
        "C1",
        "C3",
    ]


def test_text_filters_match_parts_of_the_text_ignoring_case(customers):
    queryset = apply_table_filter(mapping_with({"name": "customer c3"}), Customer.objects.all())
    assert numbers(queryset) == ["C3"]


def test_has_a_company_means_a_customer_or_a_vendor():
    customer = Customer.objects.create(no="C1", name="Adatum")
    vendor = Vendor.objects.create(no="V1", name="Fabrikam")
    Contact.objects.create(no="CT1", surname="Hill", customer=customer)
    Contact.objects.create(no="CT2", surname="Ray", vendor=vendor)
    Contact.objects.create(no="CT3", surname="Alone")
    has = apply_table_filter(mapping_with({"company": "set"}), Contact.objects.all())
    lacks = apply_table_filter(mapping_with({"company": "blank"}), Contact.objects.all())
    assert numbers(has) == ["CT1", "CT2"]
    assert numbers(lacks) == ["CT3"]
    only_customers = apply_table_filter(mapping_with({"customer": "set"}), Contact.objects.all())
    assert numbers(only_customers) == ["CT1"]


def test_not_blocked_items():
    unit = UnitOfMeasure.objects.create(code="PCS")
    Item.objects.create(no="I1", base_unit_of_measure=unit, blocked=False)
    Item.objects.create(no="I2", base_unit_of_measure=unit, blocked=True)
    queryset = apply_table_filter(mapping_with({"blocked": "false"}), Item.objects.all())
    assert numbers(queryset) == ["I1"]
    queryset = apply_table_filter(mapping_with({"blocked": "true"}), Item.objects.all())
    assert numbers(queryset) == ["I2"]


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (
            Customer,
            {"blocked": ["never"]},
            "Blocked is one of: Select a valid choice. never is not one of the available choices.",
        ),
        (Customer, {"credit_limit_lcy_min": "lots"}, "Credit Limit (LCY) between: Enter a number."),
        (
            Customer,
            {"colour": "red"},
            "The table filter names colour, which customer records cannot be filtered on.",
        ),
        (
            Customer,
            {"system_id": "x"},
            "The table filter names system_id, which customer records cannot be filtered on.",
        ),
        (
            Contact,
            {"company": "maybe"},
            "Company: Select a valid choice. maybe is not one of the available choices.",
        ),
        (Customer, ["blocked"], "The table filter must be a set of field conditions."),
    ],
)
def test_invalid_filters_are_refused_with_a_message(model, data, message):
    with pytest.raises(ValidationError) as raised:
        check_table_filter(model, data)
    assert raised.value.messages == [message]


def test_the_engine_gets_a_validation_error_for_a_stored_filter_that_went_bad(customers):
    with pytest.raises(ValidationError, match="cannot be filtered on"):
        apply_table_filter(mapping_with({"vendor": "set"}), Customer.objects.all())


def test_filtersets_declare_each_kind_of_field_explicitly():
    filters = filterset_for(Customer).base_filters
    assert type(filters["blocked"]).__name__ == "MultipleChoiceFilter"
    assert type(filters["salesperson"]).__name__ == "PresenceFilter"
    assert type(filters["name"]).__name__ == "CharFilter"
    assert type(filters["credit_limit_lcy"]).__name__ == "RangeFilter"
    assert "system_id" not in filters and "modified_at" not in filters and "id" not in filters
    assert type(filterset_for(Item).base_filters["blocked"]).__name__ == "BooleanFilter"
    assert type(filterset_for(Contact).base_filters["company"]).__name__ == "PresenceFilter"


def test_filters_read_as_words_on_the_mapping_list():
    assert describe_table_filter(Customer, {"blocked": [""]}) == "Blocked is one of: Not blocked"
    assert describe_table_filter(Contact, {"company": "set"}) == "Company is set"
    assert describe_table_filter(Item, {"blocked": "false"}) == "Blocked: No"
    assert (
        describe_table_filter(Customer, {"name": "Adatum", "credit_limit_lcy_max": "10"})
        == "Name contains “Adatum”, Credit Limit (LCY) ≤ 10"
    )


def test_integration_table_filters_are_checked_for_syntax_without_metadata():
    assert integration_filter_problems("statecode eq 0 and customertypecode eq 3", None, "x") == []
    assert integration_filter_problems("", None, "account") == []
    [problem] = integration_filter_problems("statecode eq", None, "account")
    assert problem.startswith("The integration table filter is not valid: Expected a value after")
    assert "position 12" in problem
