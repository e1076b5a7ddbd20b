"""Paging: Prefer odata.maxpagesize, opaque $skiptoken next links keyed on the sort columns."""

from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def twelve(api):
    rows = [
        {
            "@odata.type": "Microsoft.Dynamics.CRM.account",
            "name": f"Row {n:02}",
            "numberofemployees": n % 3,
        }
        for n in range(12)
    ]
    response = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": rows})
    assert response.status_code == 200
    return response.json()["Ids"]


def read_all(api, url: str, page_size: int) -> tuple[list[dict], list[str]]:
    rows, links = [], []
    headers = {"Prefer": f"odata.maxpagesize={page_size}"}
    while url:
        response = api.get(url, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["Preference-Applied"] == f"odata.maxpagesize={page_size}"
        body = response.json()
        rows += body["value"]
        url = body.get("@odata.nextLink")
        if url:
            links.append(url)
    return rows, links


def test_pages_follow_next_links_until_there_is_none(api, twelve):
    rows, links = read_all(api, "accounts?$select=name", 5)
    assert len(rows) == 12 and len(links) == 2
    assert sorted(r["accountid"] for r in rows) == sorted(twelve)
    assert [r["accountid"] for r in rows] == sorted(r["accountid"] for r in rows)  # by key
    query = parse_qs(urlsplit(links[0]).query)
    assert query["$select"] == ["name"]
    token = query["$skiptoken"][0]
    assert token.startswith('<cookie pagenumber="2"') and "skip" not in token


def test_paging_is_keyed_not_offset(api, twelve):
    first = api.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=5"}).json()
    seen = {r["accountid"] for r in first["value"]}
    # A row created before the next page, sorting before the first page's end, is not
    # handed out twice nor shifts the following page.
    api.delete(f"accounts({first['value'][0]['accountid']})")
    rest, _ = read_all(api, first["@odata.nextLink"], 5)
    assert not seen & {r["accountid"] for r in rest}
    assert len(rest) == 7


def test_paging_with_orderby_on_a_non_unique_column(api, twelve):
    rows, links = read_all(
        api, "accounts?$select=name,numberofemployees&$orderby=numberofemployees desc,name", 4
    )
    assert len(rows) == 12 and len({r["accountid"] for r in rows}) == 12
    keys = [(-r["numberofemployees"], r["name"]) for r in rows]
    assert keys == sorted(keys)


def test_top_limits_rows_and_is_ignored_with_a_page_size(api, twelve):
    assert len(api.get("accounts?$top=3").json()["value"]) == 3
    assert "@odata.nextLink" not in api.get("accounts?$top=3").json()
    rows, _ = read_all(api, "accounts?$top=3", 5)
    assert len(rows) == 12


def test_page_size_is_at_most_5000(api):
    response = api.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=9000"})
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=5000"


def test_a_tampered_skiptoken_is_refused(api, twelve):
    response = api.get("accounts?$skiptoken=garbage")
    assert response.status_code == 400


COUNTS = {
    "Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,'
    'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"'
}


def test_without_a_page_size_pages_hold_5000_rows_and_counts_stop_there(emulator, api):
    rows = [{"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"R{n}"} for n in range(5001)]
    response = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": rows})
    assert response.status_code == 200
    first = api.get("accounts?$select=name&$count=true", headers=COUNTS)
    assert "maxpagesize" not in first.headers.get("Preference-Applied", "")
    body = first.json()
    assert len(body["value"]) == 5000
    # Past 5,000 rows Dataverse gives 5,000 and says the limit was exceeded (Q-CNT).
    assert body["@odata.count"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True
    rest = api.get(body["@odata.nextLink"]).json()
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest
    assert api.get("accounts/$count").content.decode("utf-8-sig") == "5000"
