"""Change tracking: delta links with new, changed and deleted rows."""

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import create, error_of

TRACK = {"Prefer": "odata.track-changes"}


def start(api, query="accounts?$select=name,telephone1", headers=TRACK):
    response = api.get(query, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_initial_request_returns_rows_and_a_delta_link(api):
    create(api, "accounts", {"name": "Tracked"})
    response = start(api)
    assert response.headers["Preference-Applied"] == "odata.track-changes"
    body = response.json()
    assert [row["name"] for row in body["value"]] == ["Tracked"]
    link = body["@odata.deltaLink"]
    query = parse_qs(urlsplit(link).query)
    assert query["$select"] == ["name,telephone1"]
    version, _, stamp = query["$deltatoken"][0].partition("!")
    assert version.isdigit() and len(stamp) == len("08/22/2017 08:10:44")


def test_delta_reports_new_changed_and_deleted_rows(api, user_api):
    kept = create(api, "accounts", {"name": "Kept"})
    changed = create(api, "accounts", {"name": "Changed"})
    doomed = create(api, "accounts", {"name": "Doomed"})
    link = start(api).json()["@odata.deltaLink"]
    assert api.get(link).json()["value"] == []  # nothing happened yet

    user_api.patch(f"accounts({changed})", json={"telephone1": "123"})
    user_api.delete(f"accounts({doomed})")
    added = create(user_api, "accounts", {"name": "Added"})
    short_lived = create(user_api, "accounts", {"name": "Short-lived"})
    user_api.delete(f"accounts({short_lived})")

    body = api.get(link).json()
    assert body["@odata.context"].endswith("$metadata#accounts(name,telephone1)/$delta")
    rows = [item for item in body["value"] if "@odata.etag" in item]
    deleted = [item for item in body["value"] if "reason" in item]
    assert [r["accountid"] for r in rows] == [str(changed), str(added)]  # by version
    assert rows[0]["telephone1"] == "123"
    assert body["value"][-len(deleted) :] == deleted  # changes first, then deletes
    assert {d["id"] for d in deleted} == {str(doomed), str(short_lived)}
    assert deleted[0]["reason"] == "deleted"
    assert deleted[0]["@odata.context"].endswith("$metadata#accounts/$deletedEntity")
    assert str(kept) not in {r["accountid"] for r in rows}
    assert api.get(body["@odata.deltaLink"]).json()["value"] == []


def test_deletes_by_cascade_are_reported(api):
    account = create(api, "accounts", {"name": "Parent"})
    child = create(
        api,
        "contacts",
        {"lastname": "Child", "parentcustomerid_account@odata.bind": f"/accounts({account})"},
    )
    link = start(api, "contacts?$select=lastname").json()["@odata.deltaLink"]
    api.delete(f"accounts({account})")
    assert [item["id"] for item in api.get(link).json()["value"]] == [str(child)]


def test_big_deltas_are_paged(api):
    link = start(api).json()["@odata.deltaLink"]
    rows = [{"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"N{n}"} for n in range(7)]
    ids = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": rows}).json()[
        "Ids"
    ]
    for row_id in ids[:3]:
        api.delete(f"accounts({row_id})")
    seen, url, pages = [], link, 0
    while True:
        body = api.get(url, headers={"Prefer": "odata.maxpagesize=3"}).json()
        pages += 1
        seen += body["value"]
        if "@odata.nextLink" in body:
            url = body["@odata.nextLink"]
            continue
        break
    assert pages == 3
    assert len([s for s in seen if "reason" in s]) == 3
    assert sorted(s["accountid"] for s in seen if "accountid" in s) == sorted(ids[3:])
    assert "@odata.deltaLink" in body


def test_initial_listing_is_paged_too(api):
    rows = [{"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"N{n}"} for n in range(5)]
    api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": rows})
    first = api.get(
        "accounts?$select=name", headers={"Prefer": "odata.track-changes,odata.maxpagesize=2"}
    )
    body = first.json()
    assert len(body["value"]) == 2 and "@odata.nextLink" in body
    while "@odata.nextLink" in body:
        body = api.get(body["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}).json()
    assert "@odata.deltaLink" in body


@pytest.mark.parametrize(
    "option", ["$filter=name eq 'x'", "$orderby=name", "$expand=primarycontactid", "$top=1"]
)
def test_options_not_allowed_with_tracking(api, option):
    response = api.get(f"accounts?$select=name&{option}", headers=TRACK)
    assert response.status_code == 400
    name = option.split("=")[0]
    assert error_of(response)["message"] == (
        f'The "{name}" query parameter isn\'t supported when Change Tracking is enabled.'
    )


def test_count_of_changes(api):
    link = start(api).json()["@odata.deltaLink"]
    token = parse_qs(urlsplit(link).query)["$deltatoken"][0]
    create(api, "accounts", {"name": "One"})
    response = api.get("accounts/$count", params={"$deltatoken": token})
    assert response.content.decode("utf-8-sig") == "1"


def test_bad_delta_token_is_refused(api):
    assert api.get("accounts?$deltatoken=nonsense").status_code == 400


def test_delta_tokens_expire_after_seven_days(emulator, api):
    link = start(api).json()["@odata.deltaLink"]
    token = parse_qs(urlsplit(link).query)["$deltatoken"][0]
    emulator.advance_clock(6 * 86400)
    with emulator.app_session() as later:  # access tokens last an hour
        assert later.get(link).status_code == 200
    emulator.advance_clock(2 * 86400)
    with emulator.app_session() as later:
        counted = later.get("accounts/$count", params={"$deltatoken": token})
        for expired in (later.get(link), counted):
            assert expired.status_code == 400
            assert error_of(expired) == {
                "code": "0x80044352",
                "message": "Version stamp associated with the client has expired. Please "
                "perform a full sync.",
            }
        assert later.get(start(later).json()["@odata.deltaLink"]).status_code == 200
