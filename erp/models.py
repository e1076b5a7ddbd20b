"""The demo ERP: the business tables Tandem synchronizes (PRODUCT.md §4; names are a contract).

Every table carries a stable ``system_id`` and an indexed ``modified_at``, the two things the
synchronization engine needs from any local table. Text lengths follow Business Central.
Numbered tables (customers, vendors, contacts, items, resources, salespeople) draw a number
from their number series when saved with a blank one, singly or in bulk.
"""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q

DECIMAL = {"max_digits": 20, "decimal_places": 5, "default": Decimal("0")}


class ERPRecord(models.Model):
    system_id = models.UUIDField("System ID", default=uuid.uuid4, unique=True, editable=False)
    modified_at = models.DateTimeField("Modified at", auto_now=True, db_index=True)

    class Meta:
        abstract = True


class NoSeries(models.Model):
    """A number series, such as CUST → C00001, C00002, …"""

    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=10)
    digits = models.PositiveSmallIntegerField(default=5)
    last_no_used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "No. series"
        verbose_name_plural = "No. series"

    def __str__(self):
        return self.code

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    @classmethod
    def reserve(cls, code: str, count: int, *, prefix: str, digits: int = 5) -> list[str]:
        """Reserve ``count`` consecutive numbers of series ``code`` and return them."""
        if count <= 0:
            return []
        with transaction.atomic():
            series, _ = cls.objects.get_or_create(
                code=code, defaults={"prefix": prefix, "digits": digits}
            )
            cls.objects.filter(pk=series.pk).update(last_no_used=F("last_no_used") + count)
            series.refresh_from_db(fields=["last_no_used"])
        first = series.last_no_used - count + 1
        return [series.format(n) for n in range(first, series.last_no_used + 1)]


class NumberedRecord(ERPRecord):
    """A record whose number comes from a number series when left blank."""

    NUMBER_FIELD = "no"
    NO_SERIES: tuple[str, str] = ("", "")  # (series code, prefix)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not getattr(self, self.NUMBER_FIELD):
            type(self).assign_numbers([self])
        super().save(*args, **kwargs)

    @classmethod
    def assign_numbers(cls, records) -> None:
        """Give every record in ``records`` that has a blank number the next free one."""
        blank = [r for r in records if not getattr(r, cls.NUMBER_FIELD)]
        code, prefix = cls.NO_SERIES
        numbers = cls._free_numbers(len(blank), code, prefix)
        for record, number in zip(blank, numbers, strict=True):
            setattr(record, cls.NUMBER_FIELD, number)

    @classmethod
    def _free_numbers(cls, count, code, prefix):
        # Numbers typed by hand may already use the series' next values: skip those.
        numbers = []
        while len(numbers) < count:
            candidates = NoSeries.reserve(code, count - len(numbers), prefix=prefix)
            taken = set(
                cls.objects.filter(**{f"{cls.NUMBER_FIELD}__in": candidates}).values_list(
                    cls.NUMBER_FIELD, flat=True
                )
            )
            numbers.extend(n for n in candidates if n not in taken)
        return numbers


class GeneralSetup(models.Model):
    """The ERP's general setup; one row. Holds the local currency (LCY)."""

    lcy_code = models.CharField("LCY code", max_length=10, default="USD")
    lcy_description = models.CharField("LCY description", max_length=30, default="US Dollar")

    class Meta:
        verbose_name = "General setup"
        verbose_name_plural = "General setup"

    def __str__(self):
        return "General setup"

    @classmethod
    def get(cls) -> "GeneralSetup":
        setup, _ = cls.objects.get_or_create(pk=1)
        return setup


class Currency(ERPRecord):
    """A foreign currency. The local currency (LCY) is not a row here: a blank currency is LCY."""

    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=30, blank=True)
    symbol = models.CharField(max_length=10, blank=True)
    exchange_rate = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=Decimal("0"),
        help_text="Units of this currency per 1 LCY.",
    )

    class Meta:
        verbose_name_plural = "currencies"
        ordering = ["code"]

    def __str__(self):
        return self.code


class SalespersonPurchaser(NumberedRecord):
    NUMBER_FIELD = "code"
    NO_SERIES = ("SP NO.", "SP NO. ")

    code = models.CharField(max_length=20, unique=True, blank=True)
    name = models.CharField(max_length=50, blank=True)
    email = models.CharField("Email", max_length=80, blank=True)
    phone_no = models.CharField("Phone No.", max_length=30, blank=True)

    class Meta:
        verbose_name = "salesperson/purchaser"
        verbose_name_plural = "salespeople/purchasers"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class UnitOfMeasure(ERPRecord):
    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = "unit of measure"
        verbose_name_plural = "units of measure"
        ordering = ["code"]

    def __str__(self):
        return self.code


class Address(models.Model):
    address = models.CharField(max_length=100, blank=True)
    address_2 = models.CharField("Address 2", max_length=50, blank=True)
    city = models.CharField(max_length=30, blank=True)
    post_code = models.CharField(max_length=20, blank=True)
    county = models.CharField(max_length=30, blank=True)
    country_region_code = models.CharField("Country/Region Code", max_length=10, blank=True)

    class Meta:
        abstract = True


class Company(NumberedRecord, Address):
    """What customers and vendors share."""

    no = models.CharField("No.", max_length=20, unique=True, blank=True)
    name = models.CharField(max_length=100, blank=True, db_index=True)
    contact = models.CharField(max_length=100, blank=True)
    phone_no = models.CharField("Phone No.", max_length=30, blank=True)
    fax_no = models.CharField("Fax No.", max_length=30, blank=True)
    email = models.CharField("Email", max_length=80, blank=True)
    home_page = models.CharField(max_length=80, blank=True)
    currency = models.ForeignKey(
        Currency, null=True, blank=True, on_delete=models.PROTECT, help_text="Blank means LCY."
    )

    class Meta:
        abstract = True
        ordering = ["no"]

    def __str__(self):
        return f"{self.no} {self.name}".strip()


class Customer(Company):
    NO_SERIES = ("CUST", "C")

    class Blocked(models.TextChoices):
        NOT_BLOCKED = "", "Not blocked"
        SHIP = "ship", "Ship"
        INVOICE = "invoice", "Invoice"
        ALL = "all", "All"

    salesperson = models.ForeignKey(
        SalespersonPurchaser,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name="salesperson",
    )
    credit_limit_lcy = models.DecimalField("Credit Limit (LCY)", **DECIMAL)
    blocked = models.CharField(max_length=10, choices=Blocked.choices, blank=True, default="")
    primary_contact = models.ForeignKey(
        "Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_contact_of",
    )

    class Meta(Company.Meta):
        pass


class Vendor(Company):
    NO_SERIES = ("VEND", "V")

    class Blocked(models.TextChoices):
        NOT_BLOCKED = "", "Not blocked"
        PAYMENT = "payment", "Payment"
        ALL = "all", "All"

    purchaser = models.ForeignKey(
        SalespersonPurchaser,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vendors",
        verbose_name="purchaser",
    )
    blocked = models.CharField(max_length=10, choices=Blocked.choices, blank=True, default="")

    class Meta(Company.Meta):
        pass


class Contact(NumberedRecord, Address):
    """A person; belongs to at most one company (a customer or a vendor)."""

    NO_SERIES = ("CONT", "CT")

    no = models.CharField("No.", max_length=20, unique=True, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    middle_name = models.CharField(max_length=30, blank=True)
    surname = models.CharField(max_length=30, blank=True, db_index=True)
    email = models.CharField("Email", max_length=80, blank=True)
    phone_no = models.CharField("Phone No.", max_length=30, blank=True)
    mobile_phone_no = models.CharField("Mobile Phone No.", max_length=30, blank=True)
    currency = models.ForeignKey(
        Currency, null=True, blank=True, on_delete=models.PROTECT, help_text="Blank means LCY."
    )
    salesperson = models.ForeignKey(
        SalespersonPurchaser,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta:
        ordering = ["no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True) | Q(vendor__isnull=True),
                name="contact_belongs_to_one_company",
                violation_error_message="A contact belongs to a customer or a vendor, not both.",
            )
        ]

    def __str__(self):
        return f"{self.no} {self.full_name}".strip()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.surname) if p)

    @property
    def company(self):
        return self.customer or self.vendor

    def clean(self):
        if self.customer_id and self.vendor_id:
            raise ValidationError("A contact belongs to a customer or a vendor, not both.")


class Item(NumberedRecord):
    NO_SERIES = ("ITEM", "I")

    no = models.CharField("No.", max_length=20, unique=True, blank=True)
    description = models.CharField(max_length=100, blank=True, db_index=True)
    base_unit_of_measure = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="items"
    )
    unit_price = models.DecimalField(**DECIMAL)
    unit_cost = models.DecimalField(**DECIMAL)
    unit_volume = models.DecimalField(**DECIMAL)
    gross_weight = models.DecimalField(**DECIMAL)
    inventory = models.DecimalField(**DECIMAL)
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["no"]

    def __str__(self):
        return f"{self.no} {self.description}".strip()


class Resource(NumberedRecord):
    NO_SERIES = ("RES", "R")

    no = models.CharField("No.", max_length=20, unique=True, blank=True)
    name = models.CharField(max_length=100, blank=True, db_index=True)
    base_unit_of_measure = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="resources"
    )
    unit_price = models.DecimalField(**DECIMAL)
    unit_cost = models.DecimalField(**DECIMAL)
    capacity = models.DecimalField(**DECIMAL)
    blocked = models.BooleanField(default=False)

    class Meta:
        ordering = ["no"]

    def __str__(self):
        return f"{self.no} {self.name}".strip()
