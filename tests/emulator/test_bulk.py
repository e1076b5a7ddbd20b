"""CreateMultiple, UpdateMultiple, UpsertMultiple and the tables that support them."""

import uuid

from .conftest import error_of

ACCOUNT = "Microsoft.Dynamics.CRM.account"


def targets(*rows):
    return {"Targets": [{"@odata.type": ACCOUNT, **row} for row in rows]}


def test_create_multiple_answers_the_ids(api):
    chosen = str(uuid.uuid4())
    response = api.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
        json=targets({"name": "One"}, {"name": "Two", "accountid": chosen}),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith(
        "$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
    )
    assert len(body["Ids"]) == 2 and body["Ids"][1] == chosen
    assert api.get(f"accounts({chosen})?$select=name").json()["name"] == "Two"


def test_one_bad_row_rolls_back_the_whole_request(api):
    response = api.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
        json=targets({"name": "Fine"}, {"name": "x" * 200}),
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80044331"
    assert api.get("accounts?$filter=name eq 'Fine'").json()["value"] == []


def test_every_target_needs_its_odata_type(api):
    response = api.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": [{"name": "No type"}]}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80048d19"


def test_update_multiple_changes_rows_by_key(api):
    ids = api.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json=targets({"name": "A"}, {"name": "B"})
    ).json()["Ids"]
    response = api.post(
        "accounts/Microsoft.Dynamics.CRM.UpdateMultiple",
        json=targets({"accountid": ids[0], "name": "A2"}, {"accountid": ids[1], "telephone1": "9"}),
    )
    assert response.status_code == 204
    rows = {r["accountid"]: r for r in api.get("accounts?$select=name,telephone1").json()["value"]}
    assert rows[ids[0]]["name"] == "A2" and rows[ids[1]]["telephone1"] == "9"
    missing = api.post(
        "accounts/Microsoft.Dynamics.CRM.UpdateMultiple",
        json=targets({"accountid": str(uuid.uuid4()), "name": "?"}),
    )
    assert missing.status_code == 404


def test_upsert_multiple_creates_and_updates(api):
    [existing] = api.post(
        "accounts/Microsoft.Dynamics.CRM.CreateMultiple", json=targets({"name": "Old"})
    ).json()["Ids"]
    new = str(uuid.uuid4())
    response = api.post(
        "accounts/Microsoft.Dynamics.CRM.UpsertMultiple",
        json=targets(
            {"accountid": existing, "name": "Updated"},
            {"accountid": new, "name": "New"},
            {"name": "Keyless"},
        ),
    )
    assert response.status_code == 204
    names = {r["name"] for r in api.get("accounts?$select=name").json()["value"]}
    assert names == {"Updated", "New", "Keyless"}


def test_tables_without_bulk_messages_refuse_them(api):
    for entity_set, logical in (
        ("uoms", "uom"),
        ("uomschedules", "uomschedule"),
        ("systemusers", "systemuser"),
    ):
        response = api.post(
            f"{entity_set}/Microsoft.Dynamics.CRM.CreateMultiple",
            json={"Targets": [{"@odata.type": f"Microsoft.Dynamics.CRM.{logical}", "name": "x"}]},
        )
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "0x80040800"
        assert f"does not support entities of type '{logical}'" in error["message"]


def test_sdkmessagefilters_tell_which_tables_support_bulk_messages(api):
    def supported(message, table):
        query = (
            "sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq "
            f"'{message}' and primaryobjecttypecode eq '{table}'"
        )
        response = api.get(query)
        assert response.status_code == 200
        return bool(response.json()["value"])

    for table in ("account", "contact", "product", "transactioncurrency"):
        assert all(
            supported(m, table) for m in ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
        )
    for table in ("systemuser", "uomschedule", "uom"):
        assert not supported("CreateMultiple", table)
        assert supported("Create", table)


def test_a_thousand_rows_in_one_request(emulator, api):
    emulator.clear_counters()
    rows = [{"name": f"Bulk {n}", "telephone1": str(n), "creditlimit": n} for n in range(1000)]
    response = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json=targets(*rows))
    assert response.status_code == 200 and len(response.json()["Ids"]) == 1000
    assert emulator.state()["counters"]["requests"] == 1
    assert api.get("accounts/$count").content.decode("utf-8-sig") == "1000"
