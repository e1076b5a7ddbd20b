"""Bulk writes against the emulator over HTTP: request counts, per-row errors, fallbacks,
lookups, read-back and exactly-once creates."""

from decimal import Decimal
from uuid import uuid4

import pytest

from integration.dataverse import Lookup, RecordFailed, odata

from .conftest import accounts


def names_like(client, table: str, prefix: str) -> list[str]:
    entity = client.entity(table)
    rows = client.query(table, [entity.primary_name], odata.startswith(entity.primary_name, prefix))
    return sorted(row[entity.primary_name] for row in rows)


class RequestCounter:
    """How many Web API requests the client sent inside the ``with`` block."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        self.before = self.client.stats.requests
        return self

    def __exit__(self, *exc_info):
        self.count = self.client.stats.requests - self.before


def test_a_thousand_creates_take_one_request(dataverse_client):
    rows = accounts(1000, "Bulk")
    dataverse_client.entity("account")  # metadata is read once per client, not per write
    with RequestCounter(dataverse_client) as sent:
        results = dataverse_client.create_many("account", rows)
    assert sent.count == 1
    assert [r.id for r in results] == [row["accountid"] for row in rows]
    assert all(r.ok and r.error is None for r in results)
    assert len(names_like(dataverse_client, "account", "Bulk")) == 1000


def test_read_back_of_version_and_modifiedon_costs_one_more_request(dataverse_client):
    rows = accounts(1000, "ReadBack")
    dataverse_client.entity("account")
    with RequestCounter(dataverse_client) as sent:
        results = dataverse_client.create_many(
            "account", rows, read_back=["versionnumber", "modifiedon"]
        )
    assert sent.count == 2
    versions = [result.version for result in results]
    assert all(isinstance(v, int) for v in versions) and len(set(versions)) == 1000
    assert all(result.modified_on.tzinfo is not None for result in results)


def test_rows_metadata_refuses_fail_alone_and_are_never_sent(dataverse_client):
    rows = accounts(6, "Checked")
    rows[1]["name"] = "x" * 161
    rows[2]["customertypecode"] = 99
    rows[3]["statecode"] = 1  # not valid for create
    rows[4]["creditlimit"] = "a lot"
    dataverse_client.entity("account")
    with RequestCounter(dataverse_client) as sent:
        results = dataverse_client.create_many("account", rows)
    assert sent.count == 1
    assert [r.ok for r in results] == [True, False, False, False, False, True]
    assert results[1].error.code == "0x80044331" and "'160'" in results[1].error.message
    assert results[2].error.code == "0x8004431a"
    assert all(r.error.status is None for r in results[1:5])
    assert names_like(dataverse_client, "account", "Checked") == ["Checked 00000", "Checked 00005"]
    assert dataverse_client.stats.rows_refused_before_sending == 4


def test_a_row_the_bulk_message_refuses_is_isolated_by_a_batch(dataverse_client):
    missing_parent = Lookup("account", uuid4())
    rows = accounts(250, "Isolated")  # one chunk; up to 1,000 rows cost the same 2 requests
    rows[100]["parentaccountid"] = missing_parent
    dataverse_client.entity("account")
    with RequestCounter(dataverse_client) as sent:
        results = dataverse_client.create_many("account", rows)
    assert sent.count == 2  # CreateMultiple refused, then one $batch with a change set per row
    failed = [r for r in results if not r.ok]
    assert [r.id for r in failed] == [rows[100]["accountid"]]
    assert isinstance(failed[0].error, RecordFailed) and failed[0].error.status >= 400
    assert failed[0].error.code and str(missing_parent.id) in failed[0].error.message.lower()
    assert len(names_like(dataverse_client, "account", "Isolated")) == 249
    assert dataverse_client.stats.batch_fallbacks == 1


def test_a_duplicate_currency_code_fails_only_its_row(dataverse_client):
    def currency(code):
        return {
            "transactioncurrencyid": uuid4(),
            "isocurrencycode": code,
            "currencyname": code,
            "currencysymbol": code[0],
            "exchangerate": Decimal("1.1"),
            "currencyprecision": 2,
        }

    dataverse_client.create_many("transactioncurrency", [currency("EUR")])
    results = dataverse_client.create_many(
        "transactioncurrency", [currency("GBP"), currency("EUR"), currency("CHF")]
    )
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error.code == "0x80048cf3" and results[1].error.status == 400


def test_tables_without_bulk_messages_write_through_batch_change_sets(dataverse_client):
    group = next(dataverse_client.query("uomschedule", ["name"], odata.eq("name", "Default Unit")))
    base = next(dataverse_client.query("uom", ["name"], odata.eq("name", "Primary Unit")))

    def unit(name, schedule):
        return {
            "uomid": uuid4(),
            "name": name,
            "uomscheduleid": Lookup("uomschedule", schedule),
            "baseuom": Lookup("uom", base["uomid"]),
            "quantity": Decimal(2),
        }

    rows = [
        unit("Box", group["uomscheduleid"]),
        unit("Crate", uuid4()),
        unit("Pallet", group["uomscheduleid"]),
    ]
    batches = dataverse_client.stats.batch_requests
    results = dataverse_client.create_many("uom", rows)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error.status in (400, 404) and results[1].error.message
    assert dataverse_client.stats.batch_requests == batches + 1
    assert dataverse_client.stats.bulk_requests == 0
    assert names_like(dataverse_client, "uom", "Box") == ["Box"]


def test_updates_send_changed_columns_and_a_missing_row_fails_alone(dataverse_client):
    rows = accounts(3, "Update")
    dataverse_client.create_many("account", rows)
    changes = [
        {"accountid": row["accountid"], "telephone1": f"555-{i}"} for i, row in enumerate(rows)
    ]
    changes.insert(1, {"accountid": uuid4(), "telephone1": "nobody"})
    results = dataverse_client.update_many("account", changes, read_back=["telephone1"])
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[1].error.status == 404 and results[1].error.code == "0x80040217"
    assert [r.values.get("telephone1") for r in results] == ["555-0", None, "555-1", "555-2"]
    read = dataverse_client.get_many(
        "account", [r["accountid"] for r in rows], ["name", "telephone1"]
    )
    assert sorted((row["name"], row["telephone1"]) for row in read) == [
        ("Update 00000", "555-0"),
        ("Update 00001", "555-1"),
        ("Update 00002", "555-2"),
    ]


def test_deletes_go_in_one_batch_and_a_row_already_gone_counts_as_deleted(dataverse_client):
    rows = accounts(3, "Delete")
    dataverse_client.create_many("account", rows)
    ids = [row["accountid"] for row in rows] + [uuid4()]
    results = dataverse_client.delete_many("account", ids)
    assert all(r.ok for r in results) and [r.id for r in results] == ids
    assert names_like(dataverse_client, "account", "Delete") == []


def test_lookups_are_bound_through_their_navigation_properties(dataverse_client):
    owner = next(
        dataverse_client.query("systemuser", ["fullname"], odata.eq("fullname", "Jim Olive"))
    )
    company = accounts(1, "Parent")[0]
    dataverse_client.create_many("account", [company])
    person = {
        "contactid": uuid4(),
        "lastname": "Hill",
        "parentcustomerid": Lookup("account", company["accountid"]),
        "ownerid": Lookup("systemuser", owner["systemuserid"]),
    }
    assert dataverse_client.create_many("contact", [person])[0].ok
    select = ["parentcustomerid", "ownerid"]
    read = next(dataverse_client.get_many("contact", [person["contactid"]], select))
    assert read["_parentcustomerid_value"] == company["accountid"]
    assert read["_ownerid_value"] == owner["systemuserid"]
    cleared = {"contactid": person["contactid"], "parentcustomerid": None}
    assert dataverse_client.update_many("contact", [cleared])[0].ok
    read = next(dataverse_client.get_many("contact", [person["contactid"]], select))
    assert read["_parentcustomerid_value"] is None


def test_a_repeated_create_reports_created_rows_without_a_second_copy(dataverse_client):
    rows = accounts(4, "Once")
    dataverse_client.create_many("account", rows[:2])  # an earlier attempt got these through
    results = dataverse_client.create_many("account", rows)
    assert all(r.ok for r in results)
    assert names_like(dataverse_client, "account", "Once") == [f"Once {n:05d}" for n in range(4)]


def test_a_repeated_create_on_a_batch_table_confirms_existing_rows(dataverse_client):
    groups = [
        {"uomscheduleid": uuid4(), "name": f"Group {n}", "baseuomname": "Each"} for n in range(3)
    ]
    dataverse_client.create_many("uomschedule", groups[:1])
    results = dataverse_client.create_many("uomschedule", groups)
    assert all(r.ok for r in results)
    assert names_like(dataverse_client, "uomschedule", "Group") == ["Group 0", "Group 1", "Group 2"]


def test_chunks_run_in_parallel_within_the_dop_hint(make_client, emulator):
    emulator.options(dop_hint=2)
    emulator.limits(concurrent=2)  # a third request in flight would be throttled
    client = make_client(write_chunk_size=50, max_parallel_requests=8)
    client.whoami()  # learns the hint
    with emulator.faults(latency_ms=50, path_contains="CreateMultiple"):
        results = client.create_many("account", accounts(400, "Parallel"))
    assert all(r.ok for r in results)
    assert client.stats.bulk_requests == 8 and client.stats.throttled == 0


def test_bulk_messages_can_be_switched_off(make_client):
    client = make_client(use_bulk_messages=False)
    assert not client.entity("account").bulk_messages
    batches = client.stats.batch_requests
    results = client.create_many("account", accounts(10, "NoBulk"))
    assert all(r.ok for r in results)
    assert (client.stats.bulk_requests, client.stats.batch_requests) == (0, batches + 1)


def test_every_row_needs_its_primary_id(dataverse_client):
    with pytest.raises(ValueError, match="accountid"):
        dataverse_client.create_many("account", [{"name": "No id"}])
