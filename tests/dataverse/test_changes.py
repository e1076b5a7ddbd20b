"""Change tracking against the emulator: the first read, then only what changed, deletions
included, with the delta link advanced only after a complete read."""

from uuid import uuid4

import pytest

from integration.dataverse import Deleted, DeltaLinkExpired, odata

from .conftest import accounts


def read(feed) -> tuple[dict, set]:
    rows, deleted = {}, set()
    for change in feed:
        if isinstance(change, Deleted):
            deleted.add(change.id)
        else:
            rows[change["accountid"]] = change
    return rows, deleted


def test_changes_since_the_delta_link_include_deletions(make_client, emulator):
    client = make_client(page_size=2)
    kept, changed, removed = accounts(3, "Tracked")
    client.create_many("account", [kept, changed, removed])
    feed = client.changes("account", select=["name", "telephone1", "parentaccountid"])
    rows, deleted = read(feed)
    assert {kept["accountid"], changed["accountid"], removed["accountid"]} <= set(rows)
    assert deleted == set() and feed.delta_link
    assert "_parentaccountid_value" in rows[kept["accountid"]]

    # A person changes one account, deletes another and adds a third in Dataverse.
    user = emulator.user_session()
    assert user.patch(f"accounts({changed['accountid']})", json={"telephone1": "555"}).ok
    assert user.delete(f"accounts({removed['accountid']})").ok
    added = uuid4()
    assert user.post("accounts", json={"accountid": str(added), "name": "Tracked new"}).ok

    feed = client.changes("account", select=["name", "telephone1"], delta_link=feed.delta_link)
    rows, deleted = read(feed)
    assert set(rows) == {changed["accountid"], added}
    assert rows[changed["accountid"]]["telephone1"] == "555"
    assert deleted == {removed["accountid"]}

    rows, deleted = read(client.changes("account", ["name"], delta_link=feed.delta_link))
    assert (rows, deleted) == ({}, set())


def test_the_delta_link_is_set_only_after_the_whole_feed_was_read(make_client):
    client = make_client(page_size=2)
    client.create_many("account", accounts(5, "Partial"))
    feed = client.changes("account", select=["name"])
    next(iter(feed))
    assert feed.delta_link is None
    with pytest.raises(RuntimeError):
        list(feed)  # a feed is read once


def test_engine_filters_changes_with_matches(dataverse_client):
    dataverse_client.create_many("account", accounts(2, "Vendor", customertypecode=11))
    dataverse_client.create_many("account", accounts(2, "Customer", customertypecode=3))
    customers = odata.parse_filter("customertypecode eq 3 and statecode eq 0")
    feed = dataverse_client.changes("account", select=sorted(customers.columns | {"name"}))
    names = sorted(row["name"] for row in feed if customers.matches(row))
    expected = dataverse_client.query("account", ["name"], str(customers))
    assert names == sorted(row["name"] for row in expected) == ["Customer 00000", "Customer 00001"]


def test_a_delta_link_dataverse_refuses_asks_for_a_full_read(dataverse_client):
    feed = dataverse_client.changes("account", select=["name"])
    list(feed)
    broken = feed.delta_link.split("$deltatoken=")[0] + "$deltatoken=garbage"
    with pytest.raises(DeltaLinkExpired):
        list(dataverse_client.changes("account", ["name"], delta_link=broken))


def test_a_delta_link_older_than_seven_days_asks_for_a_full_read(dataverse_client, emulator):
    feed = dataverse_client.changes("account", select=["name"])
    list(feed)
    emulator.advance_clock(8 * 86400)
    with pytest.raises(DeltaLinkExpired) as caught:
        list(dataverse_client.changes("account", ["name"], delta_link=feed.delta_link))
    assert caught.value.code == "0x80044352" and "full sync" in caught.value.message
    with pytest.raises(DeltaLinkExpired):
        dataverse_client.has_changes(feed.delta_link)
    fresh = dataverse_client.changes("account", select=["name"])
    list(fresh)
    assert dataverse_client.has_changes(fresh.delta_link) is False
