"""Admin pages for the ERP's own tables.

Synchronization actions and the "Coupled to Dataverse" column are not declared here: the
``integration`` app adds them to the admin of every mapped model when it starts.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import DecimalField
from django.utils import formats

from . import models


def amount_text(value: Decimal | None) -> str:
    """An amount as Business Central shows one: two decimals, more only when they are used.

    The tables keep five decimals (unit costs need them); "5000.00000" for a credit limit
    of 5,000 would be read as a mistake.
    """
    if value is None:
        return ""
    return formats.number_format(value, amount_places(value))


def amount_places(value: Decimal) -> int:
    return min(max(2, -value.normalize().as_tuple().exponent), 5)


def amount(model, name: str):
    """A list column that shows the decimal field ``name`` with ``amount_text``."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return amount_text(getattr(obj, name))

    column.__name__ = name  # the column's CSS class, as for a plain field
    return column


class AmountInput(forms.NumberInput):
    def format_value(self, value):
        if isinstance(value, Decimal):
            # Rounded only to drop trailing zeros: the places in use are kept.
            value = value.quantize(Decimal(1).scaleb(-amount_places(value)))
        return super().format_value(value)


AMOUNTS = {DecimalField: {"widget": AmountInput}}


@admin.register(models.GeneralSetup)
class GeneralSetupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "lcy_code", "lcy_description"]

    def has_add_permission(self, request):
        # One row: it may be added while there is none, by someone allowed to add it.
        return super().has_add_permission(request) and not models.GeneralSetup.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.NoSeries)
class NoSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "prefix", "digits", "last_no_used"]
    search_fields = ["code", "description"]


@admin.register(models.Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "symbol", "exchange_rate", "modified_at"]
    search_fields = ["code", "description"]
    readonly_fields = ["system_id", "modified_at"]


@admin.register(models.SalespersonPurchaser)
class SalespersonPurchaserAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "phone_no", "modified_at"]
    search_fields = ["code", "name", "email"]
    readonly_fields = ["system_id", "modified_at"]


@admin.register(models.UnitOfMeasure)
class UnitOfMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "modified_at"]
    search_fields = ["code", "description"]
    readonly_fields = ["system_id", "modified_at"]


ADDRESS_FIELDS = ("address", "address_2", ("post_code", "city"), ("county", "country_region_code"))


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    formfield_overrides = AMOUNTS
    list_display = [
        "no",
        "name",
        "city",
        "country_region_code",
        "phone_no",
        "currency",
        "salesperson",
        amount(models.Customer, "credit_limit_lcy"),
        "blocked",
        "modified_at",
    ]
    list_filter = ["blocked", "currency", "salesperson", "country_region_code"]
    search_fields = ["no", "name", "city", "email", "phone_no"]
    list_select_related = ["currency", "salesperson"]
    autocomplete_fields = ["primary_contact", "salesperson"]
    readonly_fields = ["system_id", "modified_at"]
    fieldsets = [
        (None, {"fields": ["no", "name", "contact", "primary_contact", "blocked"]}),
        (
            "Address & contact",
            {"fields": [*ADDRESS_FIELDS, "phone_no", "fax_no", "email", "home_page"]},
        ),
        ("Invoicing", {"fields": ["currency", "salesperson", "credit_limit_lcy"]}),
        ("System", {"fields": ["system_id", "modified_at"], "classes": ["collapse"]}),
    ]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = [
        "no",
        "name",
        "city",
        "country_region_code",
        "phone_no",
        "currency",
        "purchaser",
        "blocked",
        "modified_at",
    ]
    list_filter = ["blocked", "currency", "purchaser", "country_region_code"]
    search_fields = ["no", "name", "city", "email", "phone_no"]
    list_select_related = ["currency", "purchaser"]
    autocomplete_fields = ["purchaser"]
    readonly_fields = ["system_id", "modified_at"]
    fieldsets = [
        (None, {"fields": ["no", "name", "contact", "blocked"]}),
        (
            "Address & contact",
            {"fields": [*ADDRESS_FIELDS, "phone_no", "fax_no", "email", "home_page"]},
        ),
        ("Payments", {"fields": ["currency", "purchaser"]}),
        ("System", {"fields": ["system_id", "modified_at"], "classes": ["collapse"]}),
    ]


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "no",
        "first_name",
        "surname",
        "email",
        "phone_no",
        "customer",
        "vendor",
        "salesperson",
        "modified_at",
    ]
    list_filter = ["salesperson", "currency", "country_region_code"]
    search_fields = ["no", "first_name", "surname", "email", "customer__name", "vendor__name"]
    list_select_related = ["customer", "vendor", "salesperson"]
    autocomplete_fields = ["customer", "vendor", "salesperson"]
    readonly_fields = ["system_id", "modified_at"]
    fieldsets = [
        (None, {"fields": ["no", ("first_name", "middle_name", "surname"), "customer", "vendor"]}),
        ("Communication", {"fields": ["email", "phone_no", "mobile_phone_no"]}),
        ("Address", {"fields": list(ADDRESS_FIELDS)}),
        ("Sales", {"fields": ["currency", "salesperson"]}),
        ("System", {"fields": ["system_id", "modified_at"], "classes": ["collapse"]}),
    ]


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    formfield_overrides = AMOUNTS
    list_display = [
        "no",
        "description",
        "base_unit_of_measure",
        amount(models.Item, "unit_price"),
        amount(models.Item, "unit_cost"),
        amount(models.Item, "inventory"),
        "blocked",
        "modified_at",
    ]
    list_filter = ["blocked", "base_unit_of_measure"]
    search_fields = ["no", "description"]
    list_select_related = ["base_unit_of_measure"]
    readonly_fields = ["system_id", "modified_at"]


@admin.register(models.Resource)
class ResourceAdmin(admin.ModelAdmin):
    formfield_overrides = AMOUNTS
    list_display = [
        "no",
        "name",
        "base_unit_of_measure",
        amount(models.Resource, "unit_price"),
        amount(models.Resource, "unit_cost"),
        amount(models.Resource, "capacity"),
        "blocked",
        "modified_at",
    ]
    list_filter = ["blocked", "base_unit_of_measure"]
    search_fields = ["no", "name"]
    list_select_related = ["base_unit_of_measure"]
    readonly_fields = ["system_id", "modified_at"]
