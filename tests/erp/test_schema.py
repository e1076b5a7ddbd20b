"""The ERP's tables keep the names PRODUCT.md §4 gives them: the names are a contract.

The specification is written out again here, so that a renamed field, a changed length or a
reference to the wrong table fails this test instead of a mapping at a customer's site.
"""

import uuid

import pytest
from django.db import models

from erp import models as erp

TEXT = models.CharField
ADDRESS = {
    "address": (TEXT, 100),
    "address_2": (TEXT, 50),
    "city": (TEXT, 30),
    "post_code": (TEXT, 20),
    "county": (TEXT, 30),
    "country_region_code": (TEXT, 10),
}
COMPANY = {
    "no": (TEXT, 20),
    "name": (TEXT, 100),
    "contact": (TEXT, 100),
    **ADDRESS,
    "phone_no": (TEXT, 30),
    "fax_no": (TEXT, 30),
    "email": (TEXT, 80),
    "home_page": (TEXT, 80),
    "currency": "erp.currency",
}
# field: (type, max length) for text, a model label for a reference, a type otherwise.
SCHEMA = {
    erp.Currency: {
        "code": (TEXT, 10),
        "description": (TEXT, 30),
        "symbol": (TEXT, 10),
        "exchange_rate": models.DecimalField,
    },
    erp.SalespersonPurchaser: {
        "code": (TEXT, 20),
        "name": (TEXT, 50),
        "email": (TEXT, 80),
        "phone_no": (TEXT, 30),
    },
    erp.UnitOfMeasure: {"code": (TEXT, 10), "description": (TEXT, 50)},
    erp.Customer: {
        **COMPANY,
        "salesperson": "erp.salespersonpurchaser",
        "credit_limit_lcy": models.DecimalField,
        "blocked": (TEXT, 10),
        "primary_contact": "erp.contact",
    },
    erp.Vendor: {**COMPANY, "purchaser": "erp.salespersonpurchaser", "blocked": (TEXT, 10)},
    erp.Contact: {
        "no": (TEXT, 20),
        "first_name": (TEXT, 30),
        "middle_name": (TEXT, 30),
        "surname": (TEXT, 30),
        "email": (TEXT, 80),
        "phone_no": (TEXT, 30),
        "mobile_phone_no": (TEXT, 30),
        **ADDRESS,
        "currency": "erp.currency",
        "salesperson": "erp.salespersonpurchaser",
        "customer": "erp.customer",
        "vendor": "erp.vendor",
    },
    erp.Item: {
        "no": (TEXT, 20),
        "description": (TEXT, 100),
        "base_unit_of_measure": "erp.unitofmeasure",
        "unit_price": models.DecimalField,
        "unit_cost": models.DecimalField,
        "unit_volume": models.DecimalField,
        "gross_weight": models.DecimalField,
        "inventory": models.DecimalField,
        "blocked": models.BooleanField,
    },
    erp.Resource: {
        "no": (TEXT, 20),
        "name": (TEXT, 100),
        "base_unit_of_measure": "erp.unitofmeasure",
        "unit_price": models.DecimalField,
        "unit_cost": models.DecimalField,
        "capacity": models.DecimalField,
        "blocked": models.BooleanField,
    },
}
UNIQUE = {"code", "no"}
# The references PRODUCT.md §4 allows to be empty (a blank currency means LCY).
OPTIONAL_REFERENCES = {
    "currency",
    "salesperson",
    "purchaser",
    "primary_contact",
    "customer",
    "vendor",
}


def described(model_field):
    if isinstance(model_field, models.ForeignKey):
        return model_field.related_model._meta.label_lower
    if isinstance(model_field, TEXT):
        return (TEXT, model_field.max_length)
    return type(model_field)


@pytest.mark.parametrize("model", SCHEMA, ids=lambda m: m.__name__)
def test_every_table_has_the_fields_of_the_specification(model):
    fields = {f.name: f for f in model._meta.concrete_fields}
    expected = SCHEMA[model]
    assert {name: described(fields[name]) for name in expected if name in fields} == expected
    for name in UNIQUE & set(expected):
        assert fields[name].unique, f"{model.__name__}.{name} is unique"
    for name in OPTIONAL_REFERENCES & set(expected):
        assert fields[name].null, f"{model.__name__}.{name} may be empty"


@pytest.mark.parametrize("model", SCHEMA, ids=lambda m: m.__name__)
def test_every_table_has_what_the_engine_needs(model):
    system_id = model._meta.get_field("system_id")
    assert isinstance(system_id, models.UUIDField) and system_id.unique
    assert system_id.default is uuid.uuid4 and not system_id.editable
    modified_at = model._meta.get_field("modified_at")
    assert isinstance(modified_at, models.DateTimeField)
    assert modified_at.auto_now and modified_at.db_index


def test_blocked_takes_the_values_of_the_specification():
    assert [v for v, _ in erp.Customer._meta.get_field("blocked").choices] == [
        "",
        "ship",
        "invoice",
        "all",
    ]
    assert [v for v, _ in erp.Vendor._meta.get_field("blocked").choices] == ["", "payment", "all"]


@pytest.mark.django_db
def test_the_general_setup_holds_the_local_currency_usd_by_default():
    assert erp.GeneralSetup.get().lcy_code == "USD"
