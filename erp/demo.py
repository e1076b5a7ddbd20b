"""A realistic, deterministic demo data set for the ERP (``manage.py load_demo_data``).

The same seed and sizes always give the same records, system ids included, so tests and
benchmarks can count on them. Rows are written with ``bulk_create`` in large batches and
explicit primary keys, which lets customers point at their primary contacts before those
contacts exist (foreign keys are checked at commit).
"""

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db import models as models_
from django.db.models import Max
from django.utils import timezone

from . import models

CURRENCIES = [
    # code, description, symbol, units per 1 USD
    ("EUR", "Euro", "€", "0.921500"),
    ("GBP", "Pound Sterling", "£", "0.786400"),
    ("CAD", "Canadian Dollar", "$", "1.362100"),
    ("DKK", "Danish Krone", "kr.", "6.872300"),
    ("SEK", "Swedish Krona", "kr", "10.451000"),
    ("NOK", "Norwegian Krone", "kr", "10.612500"),
    ("JPY", "Japanese Yen", "¥", "149.820000"),
    ("AUD", "Australian Dollar", "$", "1.521300"),
    ("CHF", "Swiss Franc", "CHF", "0.881200"),
]

# The emulator's licensed Dataverse users carry the same email addresses, so that
# match-based coupling of SALESPEOPLE finds every one of them.
SALESPEOPLE = [
    ("AH", "Annette Hill", "annette.hill@cronus.example", "+1 425 555 0101"),
    ("BD", "Bart Duncan", "bart.duncan@cronus.example", "+1 425 555 0102"),
    ("HR", "Helena Ray", "helena.ray@cronus.example", "+1 425 555 0103"),
    ("JO", "Jim Olive", "jim.olive@cronus.example", "+1 425 555 0104"),
    ("LM", "Linda Martin", "linda.martin@cronus.example", "+1 425 555 0105"),
]

UNITS = [
    ("PCS", "Piece"),
    ("BOX", "Box"),
    ("PACK", "Pack"),
    ("KG", "Kilogram"),
    ("L", "Liter"),
    ("HOUR", "Hour"),
    ("DAY", "Day"),
]

CITIES = [
    # city, post code, county, country
    ("Atlanta", "31772", "GA", "US"),
    ("Chicago", "61236", "IL", "US"),
    ("Miami", "37125", "FL", "US"),
    ("Seattle", "98101", "WA", "US"),
    ("Boston", "02108", "MA", "US"),
    ("Denver", "80202", "CO", "US"),
    ("Toronto", "M5H 2N2", "ON", "CA"),
    ("Vancouver", "V6B 1A1", "BC", "CA"),
    ("London", "W2 8HG", "", "GB"),
    ("Manchester", "M1 1AE", "", "GB"),
    ("Copenhagen", "1160", "", "DK"),
    ("Stockholm", "114 32", "", "SE"),
    ("Oslo", "0150", "", "NO"),
    ("Amsterdam", "1012 JS", "", "NL"),
    ("Munich", "80331", "BY", "DE"),
    ("Lyon", "69002", "", "FR"),
    ("Zurich", "8001", "ZH", "CH"),
    ("Sydney", "2000", "NSW", "AU"),
]
COUNTRY_CURRENCY = {
    "CA": "CAD",
    "GB": "GBP",
    "DK": "DKK",
    "SE": "SEK",
    "NO": "NOK",
    "NL": "EUR",
    "DE": "EUR",
    "FR": "EUR",
    "CH": "CHF",
    "AU": "AUD",
}

COMPANY_FIRST = [
    "Adatum",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Contoso",
    "Fabrikam",
    "Fourth",
    "Graphic",
    "Humongous",
    "Litware",
    "Lucerne",
    "Margie's",
    "Northwind",
    "Proseware",
    "Relecloud",
    "School of",
    "Southridge",
    "Tailspin",
    "Trey",
    "Wide World",
    "Wingtip",
    "Woodgrove",
    "Datum",
    "Nod",
    "Consolidated",
    "Fine Art",
    "Best",
    "Bravo",
    "Cronus",
    "Selangorian",
    "Progressive",
]
COMPANY_SECOND = [
    "Corporation",
    "Ski House",
    "Importers",
    "Winery",
    "Studio",
    "Insurance",
    "Toys",
    "Electronics",
    "Publishing",
    "Traders",
    "Travel",
    "Bank",
    "Furniture",
    "Coffee",
    "Airlines",
    "Logistics",
    "Design",
    "Foods",
    "Outfitters",
    "Systems",
    "Motors",
    "Supplies",
    "Pharmaceuticals",
    "Labs",
]
COMPANY_SUFFIX = ["", "", "", " Inc.", " Ltd.", " GmbH", " A/S", " AB", " LLC"]
FIRST_NAMES = [
    "Aaron",
    "Ana",
    "Ben",
    "Carla",
    "David",
    "Eva",
    "Frank",
    "Grace",
    "Hugo",
    "Ida",
    "Jack",
    "Karin",
    "Lars",
    "Maria",
    "Nils",
    "Olivia",
    "Paul",
    "Rita",
    "Sam",
    "Tina",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Jesper",
    "Mette",
    "Ahmed",
    "Li",
    "Priya",
    "Sofia",
    "Tomás",
]
MIDDLE_NAMES = ["", "", "", "", "J.", "M.", "A.", "K."]
SURNAMES = [
    "Andersen",
    "Berg",
    "Chen",
    "Dalton",
    "Eriksson",
    "Fischer",
    "García",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rossi",
    "Smith",
    "Thompson",
    "Ueda",
    "Virtanen",
    "Walker",
    "Young",
    "Zimmermann",
    "Nielsen",
    "Svensson",
    "Dubois",
]
STREETS = [
    "Main Street",
    "Oak Avenue",
    "Harbour Road",
    "Station Street",
    "Park Lane",
    "Church Road",
    "Mill Lane",
    "High Street",
    "Lakeview Drive",
    "Industrial Way",
]
ITEM_WORDS = [
    ("Desk", "PCS"),
    ("Chair", "PCS"),
    ("Lamp", "PCS"),
    ("Cabinet", "PCS"),
    ("Paper", "BOX"),
    ("Pens", "PACK"),
    ("Coffee Beans", "KG"),
    ("Cleaner", "L"),
    ("Monitor", "PCS"),
    ("Keyboard", "PCS"),
    ("Cable", "PACK"),
    ("Shelf", "PCS"),
]
ITEM_ADJECTIVES = [
    "Amsterdam",
    "Athens",
    "Berlin",
    "London",
    "Paris",
    "Rome",
    "Oslo",
    "Madrid",
    "Vienna",
    "Prague",
    "Dublin",
    "Lisbon",
]
RESOURCE_ROLES = [
    ("Consultant", "HOUR"),
    ("Designer", "HOUR"),
    ("Installer", "HOUR"),
    ("Trainer", "DAY"),
    ("Project Manager", "DAY"),
    ("Developer", "HOUR"),
]


@dataclass
class DemoSizes:
    customers: int = 60
    vendors: int = 20
    contacts_per_company: int = 2
    items: int = 40
    resources: int = 10


class DemoDataBuilder:
    """Build the demo records with one random generator, so a seed fixes every value."""

    def __init__(self, seed: int = 1, batch_size: int = 5000, progress=None):
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.progress = progress or (lambda label, done, total: None)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    @transaction.atomic
    def load(self, sizes: DemoSizes) -> dict[str, int]:
        models.GeneralSetup.get()
        self._per_company = sizes.contacts_per_company
        currencies = self.currencies()
        salespeople = self.salespeople()
        units = self.units()
        customers = self.customers(sizes.customers, currencies, salespeople)
        vendors = self.vendors(sizes.vendors, currencies, salespeople)
        contacts = self.contacts(sizes.contacts_per_company, customers, vendors, salespeople)
        items = self.items(sizes.items, units)
        resources = self.resources(sizes.resources, units)
        reset_sequences(
            [models.Customer, models.Vendor, models.Contact, models.Item, models.Resource]
        )
        return {
            "currencies": len(currencies),
            "salespeople": len(salespeople),
            "units of measure": len(units),
            "customers": customers,
            "vendors": vendors,
            "contacts": contacts,
            "items": items,
            "resources": resources,
        }

    def currencies(self):
        rows = [
            models.Currency(
                system_id=self.uuid(),
                code=code,
                description=desc,
                symbol=symbol,
                exchange_rate=Decimal(rate),
            )
            for code, desc, symbol, rate in CURRENCIES
        ]
        models.Currency.objects.bulk_create(rows, ignore_conflicts=True)
        return list(models.Currency.objects.all())

    def salespeople(self):
        rows = [
            models.SalespersonPurchaser(
                system_id=self.uuid(), code=code, name=name, email=email, phone_no=phone
            )
            for code, name, email, phone in SALESPEOPLE
        ]
        models.SalespersonPurchaser.objects.bulk_create(rows, ignore_conflicts=True)
        return list(
            models.SalespersonPurchaser.objects.filter(code__in=[s[0] for s in SALESPEOPLE])
        )

    def units(self):
        rows = [
            models.UnitOfMeasure(system_id=self.uuid(), code=code, description=desc)
            for code, desc in UNITS
        ]
        models.UnitOfMeasure.objects.bulk_create(rows, ignore_conflicts=True)
        return {u.code: u for u in models.UnitOfMeasure.objects.all()}

    def company_fields(self, currencies_by_code):
        rng = self.rng
        name = (
            f"{rng.choice(COMPANY_FIRST)} {rng.choice(COMPANY_SECOND)}{rng.choice(COMPANY_SUFFIX)}"
        )
        city, post_code, county, country = rng.choice(CITIES)
        domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20] + ".example"
        currency_code = COUNTRY_CURRENCY.get(country) if rng.random() < 0.8 else None
        currency = currencies_by_code.get(currency_code)
        return {
            "system_id": self.uuid(),
            "name": name,
            "contact": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
            "address_2": rng.choice(["", "", "", f"Suite {rng.randint(100, 999)}"]),
            "city": city,
            "post_code": post_code,
            "county": county,
            "country_region_code": country,
            "phone_no": self.phone(),
            "fax_no": rng.choice(["", self.phone()]),
            "email": f"info@{domain}",
            "home_page": f"www.{domain}",
            "currency_id": currency.pk if currency else None,
        }

    def phone(self):
        return f"+1 555 {self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}"

    def numbered(self, model, count):
        """Reserve ``count`` numbers and primary keys for ``model``."""
        code, prefix = model.NO_SERIES
        numbers = models.NoSeries.reserve(code, count, prefix=prefix)
        first_pk = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        return numbers, first_pk

    def customers(self, count, currencies, salespeople):
        by_code = {c.code: c for c in currencies}
        numbers, first_pk = self.numbered(models.Customer, count)
        self._customer_pks = list(range(first_pk, first_pk + count))
        # Contacts are numbered after every customer and vendor exists, company by company,
        # so each customer's first contact has a primary key known now.
        self._first_contact_pk = (models.Contact.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        rows = []
        for i, no in enumerate(numbers):
            row = self.company_fields(by_code)
            row.update(
                id=first_pk + i,
                no=no,
                salesperson_id=self.rng.choice(salespeople).pk,
                credit_limit_lcy=Decimal(self.rng.choice([0, 5000, 10000, 25000, 50000])),
                blocked=self.rng.choices(["", "ship", "invoice", "all"], [90, 4, 3, 3])[0],
            )
            # Seven customers in ten name a primary contact, as in a real ERP.
            if self._per_company and self.rng.random() < 0.7:
                row["primary_contact_id"] = self._first_contact_pk + i * self._per_company
            rows.append(row)
        self._bulk(models.Customer, rows, "customers")
        return count

    def vendors(self, count, currencies, salespeople):
        by_code = {c.code: c for c in currencies}
        numbers, first_pk = self.numbered(models.Vendor, count)
        rows = []
        for i, no in enumerate(numbers):
            row = self.company_fields(by_code)
            row.update(
                id=first_pk + i,
                no=no,
                purchaser_id=self.rng.choice(salespeople).pk,
                blocked=self.rng.choices(["", "payment", "all"], [92, 4, 4])[0],
            )
            rows.append(row)
        self._bulk(models.Vendor, rows, "vendors")
        self._vendor_pks = [first_pk + i for i in range(count)]
        return count

    def contacts(self, per_company, customers, vendors, salespeople):
        companies = [("customer_id", pk) for pk in self._customer_pks]
        companies += [("vendor_id", pk) for pk in self._vendor_pks]
        # One person in twenty-one has no company, which the CONTACT mapping filters out.
        total = len(companies) * per_company + len(companies) // 20
        numbers, first_pk = self.numbered(models.Contact, total)
        assert first_pk == self._first_contact_pk
        salesperson_pks = [s.pk for s in salespeople]
        rows = []
        for i, no in enumerate(numbers):
            company = companies[i // per_company] if i < len(companies) * per_company else None
            rows.append(self.contact(first_pk + i, no, company, salesperson_pks))
        self._bulk(models.Contact, rows, "contacts")
        return total

    def contact(self, pk, no, company, salesperson_pks):
        rng = self.rng
        first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        city, post_code, county, country = rng.choice(CITIES)
        email_name = "".join(ch for ch in f"{first}.{surname}".lower() if ch.isalnum() or ch == ".")
        row = {
            "id": pk,
            "no": no,
            "system_id": self.uuid(),
            "first_name": first,
            "middle_name": rng.choice(MIDDLE_NAMES),
            "surname": surname,
            "email": f"{email_name}.{pk}@mail.example",
            "phone_no": self.phone(),
            "mobile_phone_no": rng.choice(["", self.phone()]),
            "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
            "city": city,
            "post_code": post_code,
            "county": county,
            "country_region_code": country,
            "salesperson_id": rng.choice(salesperson_pks),
        }
        if company:
            row[company[0]] = company[1]
        return row

    def items(self, count, units):
        numbers, first_pk = self.numbered(models.Item, count)
        rows = []
        for i, no in enumerate(numbers):
            word, unit = self.rng.choice(ITEM_WORDS)
            price = Decimal(self.rng.randint(500, 250000)) / 100
            rows.append(
                {
                    "id": first_pk + i,
                    "no": no,
                    "system_id": self.uuid(),
                    "description": f"{self.rng.choice(ITEM_ADJECTIVES)} {word}",
                    "base_unit_of_measure_id": units[unit].pk,
                    "unit_price": price,
                    "unit_cost": (price * Decimal("0.62")).quantize(Decimal("0.01")),
                    "unit_volume": Decimal(self.rng.randint(1, 400)) / 100,
                    "gross_weight": Decimal(self.rng.randint(10, 5000)) / 100,
                    "inventory": Decimal(self.rng.randint(-5, 500)),
                    "blocked": self.rng.random() < 0.05,
                }
            )
        self._bulk(models.Item, rows, "items")
        return count

    def resources(self, count, units):
        numbers, first_pk = self.numbered(models.Resource, count)
        rows = []
        for i, no in enumerate(numbers):
            role, unit = self.rng.choice(RESOURCE_ROLES)
            price = Decimal(self.rng.choice([65, 80, 95, 120, 150, 600, 900]))
            rows.append(
                {
                    "id": first_pk + i,
                    "no": no,
                    "system_id": self.uuid(),
                    "name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}, {role}",
                    "base_unit_of_measure_id": units[unit].pk,
                    "unit_price": price,
                    "unit_cost": (price * Decimal("0.55")).quantize(Decimal("0.01")),
                    "capacity": Decimal(self.rng.choice([8, 40, 160])),
                    "blocked": self.rng.random() < 0.05,
                }
            )
        self._bulk(models.Resource, rows, "resources")
        return count

    def _bulk(self, model, rows, label):
        """Insert ``rows`` (dicts of field attnames) with executemany, in batches.

        Building model instances and going through ``bulk_create`` costs about ten times
        more per row, which matters at the 100,000-customer sizes the benchmarks use.
        """
        now = timezone.now()
        fields = [f for f in model._meta.concrete_fields]
        adapters = [_adapter(f) for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        defaults = {f.attname: f.get_default() for f in fields}
        defaults["modified_at"] = now
        total = len(rows)
        with connection.cursor() as cursor:
            for start in range(0, total, self.batch_size):
                batch = rows[start : start + self.batch_size]
                cursor.executemany(
                    sql,
                    [
                        tuple(
                            adapt(row.get(f.attname, defaults[f.attname]))
                            for f, adapt in zip(fields, adapters, strict=True)
                        )
                        for row in batch
                    ],
                )
                self.progress(label, min(start + self.batch_size, total), total)


def _adapter(field):
    """Return a function that turns a Python value into what the database driver takes."""
    if isinstance(field, models_.UUIDField):
        if connection.features.has_native_uuid_field:
            return lambda v: v
        return lambda v: v.hex if v is not None else None
    if isinstance(field, models_.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models_.DecimalField):
        return lambda v: (
            None
            if v is None
            else connection.ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
        )
    return lambda v: v


def reset_sequences(model_list) -> None:
    """Move PostgreSQL's id sequences past the ids written explicitly above.

    Rows inserted with explicit primary keys leave the sequences behind, and the next record
    saved through the ORM would collide. SQLite needs nothing: it uses the highest id.
    """
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def demo_data_present() -> bool:
    return models.Customer.objects.exists() or models.Item.objects.exists()
