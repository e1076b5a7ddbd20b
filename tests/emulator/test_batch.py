"""$batch: multipart parts, change sets, Content-ID references, errors and limits."""

import json
import re
import uuid

from .conftest import create, error_of

API = "/api/data/v9.2/"


def http_part(
    method: str,
    url: str,
    body: dict | None = None,
    headers: dict | None = None,
    content_id: str | None = None,
) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{method} {url} HTTP/1.1"]
    if body is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines += ["", json.dumps(body) if body is not None else ""]
    return "\r\n".join(lines)


def change_set(boundary: str, parts: list[str]) -> str:
    inner = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}--{boundary}--"


def batch(api, parts: list[str], headers: dict | None = None):
    boundary = f"batch_{uuid.uuid4().hex[:8]}"
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return api.post(
        "$batch",
        data=body.encode(),
        headers={"Content-Type": f'multipart/mixed; boundary="{boundary}"', **(headers or {})},
    )


def response_parts(response) -> list[tuple[int, dict, str]]:
    """(status, headers, body) of each HTTP response inside a batch response."""
    found = []
    for match in re.finditer(
        r"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n(.*?)\r\n\r\n(.*?)\r\n--", response.text, re.S
    ):
        headers = dict(line.split(": ", 1) for line in match[2].split("\r\n") if ": " in line)
        found.append((int(match[1]), headers, match[3]))
    return found


def test_independent_parts_and_gets(api):
    response = batch(
        api,
        [
            http_part("POST", f"{API}accounts", {"name": "In batch"}),
            http_part("GET", f"{API}accounts?$select=name"),
            http_part("GET", "WhoAmI"),
        ],
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    parts = response_parts(response)
    assert [p[0] for p in parts] == [204, 200, 200]
    assert parts[0][1]["OData-EntityId"] == parts[0][1]["Location"]
    assert json.loads(parts[1][2])["value"][0]["name"] == "In batch"
    assert "\r\n" in response.text


def test_change_set_with_content_id_references(api):
    sets = change_set(
        "changeset_a",
        [
            http_part("POST", f"{API}contacts", {"lastname": "Referenced"}, content_id="1"),
            http_part(
                "POST",
                f"{API}accounts",
                {"name": "Refers", "primarycontactid@odata.bind": "$1"},
                content_id="2",
            ),
            http_part("PATCH", "$1", {"firstname": "Now"}, content_id="3"),
        ],
    )
    response = batch(api, [sets])
    assert response.status_code == 200
    assert "changesetresponse_" in response.text
    parts = response_parts(response)
    assert [p[0] for p in parts] == [204, 204, 204]
    assert re.findall(r"Content-ID: (\d)", response.text) == ["1", "2", "3"]
    account = api.get("accounts?$select=name&$expand=primarycontactid($select=fullname)").json()
    assert account["value"][0]["primarycontactid"]["fullname"] == "Now Referenced"


def test_a_failing_change_set_is_rolled_back_and_stops_the_batch(api):
    sets = change_set(
        "changeset_b",
        [
            http_part("POST", f"{API}accounts", {"name": "Rolled back"}),
            http_part("POST", f"{API}accounts", {"name": "x" * 200}),
        ],
    )
    response = batch(api, [sets, http_part("POST", f"{API}accounts", {"name": "Never"})])
    assert response.status_code == 400
    parts = response_parts(response)
    assert len(parts) == 1 and parts[0][0] == 400
    assert json.loads(parts[0][2])["error"]["code"] == "0x80044331"
    assert api.get("accounts").json()["value"] == []


def test_stop_on_first_error_outside_change_sets(api):
    response = batch(
        api,
        [
            http_part("POST", f"{API}accounts", {"name": "First"}),
            http_part("GET", f"{API}accounts({uuid.uuid4()})"),
            http_part("POST", f"{API}accounts", {"name": "Third"}),
        ],
    )
    assert response.status_code == 404
    assert [p[0] for p in response_parts(response)] == [204, 404]
    assert [r["name"] for r in api.get("accounts?$select=name").json()["value"]] == ["First"]


def test_continue_on_error_answers_every_part(api):
    response = batch(
        api,
        [
            http_part("POST", f"{API}accounts", {"name": "First"}),
            http_part("POST", f"{API}accounts", {"name": "y" * 200}),
            http_part("POST", f"{API}accounts", {"name": "Third"}),
        ],
        headers={"Prefer": "odata.continue-on-error"},
    )
    assert response.status_code == 200
    assert [p[0] for p in response_parts(response)] == [204, 400, 204]
    assert len(api.get("accounts").json()["value"]) == 2


def test_get_is_not_allowed_inside_a_change_set(api):
    response = batch(api, [change_set("changeset_c", [http_part("GET", f"{API}accounts")])])
    assert response.status_code == 400


def test_unknown_content_id_reference(api):
    sets = change_set("changeset_d", [http_part("PATCH", "$9", {"name": "x"})])
    response = batch(api, [sets])
    assert response.status_code == 400
    assert "Content-ID Reference: '$9' does not exist" in response.text


def test_line_endings_must_be_crlf(api):
    body = f"--b\nContent-Type: application/http\n\nGET {API}WhoAmI HTTP/1.1\n\n\n--b--\n"
    response = api.post(
        "$batch", data=body, headers={"Content-Type": "multipart/mixed; boundary=b"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "0x80048d19"


def test_at_most_a_thousand_requests(api):
    parts = [http_part("GET", f"{API}WhoAmI") for _ in range(1001)]
    response = batch(api, parts)
    assert response.status_code == 400
    assert "1000" in error_of(response)["message"]


def test_batches_cannot_be_nested(api):
    inner = "".join(f"--inner\r\n{http_part('GET', f'{API}WhoAmI')}\r\n" for _ in range(2))
    nested = "\r\n".join(
        [
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            "",
            f"POST {API}$batch HTTP/1.1",
            "Content-Type: multipart/mixed; boundary=inner",
            "",
            inner + "--inner--",
        ]
    )
    response = batch(api, [http_part("POST", f"{API}accounts", {"name": "Before"}), nested])
    assert response.status_code == 400
    parts = response_parts(response)
    assert [p[0] for p in parts] == [204, 400]
    error = json.loads(parts[1][2])["error"]
    assert error["code"] == "0x80048d19" and "cannot be nested" in error["message"]


def test_return_representation_inside_a_batch(api):
    response = batch(
        api,
        [
            http_part(
                "POST",
                f"{API}accounts?$select=name",
                {"name": "Shown"},
                headers={"Prefer": "return=representation"},
            ),
        ],
    )
    [(status, headers, body)] = response_parts(response)
    assert status == 201 and json.loads(body)["name"] == "Shown"
    create(api, "accounts", {"name": "unrelated"})


# Consecutive creates (and updates) are written together; these tests pin that the answers,
# rollbacks and stops are those of running the parts one by one.


def one_part_sets(requests: list[tuple]) -> list[str]:
    """One change set per (method, url, body, headers) request; Content-ID = position from 1."""
    return [
        change_set(
            f"changeset_{n}",
            [http_part(method, f"{API}{url}", body, headers, content_id=str(n))],
        )
        for n, (method, url, body, headers) in enumerate(requests, 1)
    ]


def create_sets(rows: list[dict], entity_set: str = "accounts", headers=None) -> list[str]:
    return one_part_sets([("POST", entity_set, row, headers) for row in rows])


def apart(parts: list[str]) -> list[str]:
    """The parts with a GET after each: no two writes are adjacent, so each runs alone."""
    return [item for part in parts for item in (part, http_part("GET", f"{API}WhoAmI"))]


def outcome(response, step: int = 1) -> list[tuple]:
    """(status, error code, OData-EntityId, Location) of every ``step``-th part."""
    return [
        (
            status,
            json.loads(body)["error"]["code"] if status >= 400 else None,
            headers.get("OData-EntityId"),
            headers.get("Location"),
        )
        for status, headers, body in response_parts(response)[::step]
    ]


def statuses(response) -> list[tuple[int, str | None]]:
    return [answer[:2] for answer in outcome(response)]


def account_rows(api) -> list[dict]:
    select = "name,telephone1,statecode,statuscode,_parentaccountid_value"
    rows = api.get(f"accounts?$select={select}&$orderby=name").json()["value"]
    return [{k: v for k, v in row.items() if k != "@odata.etag"} for row in rows]


def account_names(api) -> list[str]:
    return [row["name"] for row in account_rows(api)]


def test_a_thousand_change_sets_of_creates(api):
    rows = [{"name": f"Row {n:04}", "revenue": n} for n in range(1000)]
    response = batch(api, create_sets(rows))
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 5  # once 8 s: a transaction per change set
    parts = response_parts(response)
    assert [p[0] for p in parts] == [204] * 1000
    assert re.findall(r"Content-ID: (\d+)", response.text) == [str(n) for n in range(1, 1001)]
    assert len({p[1]["OData-EntityId"] for p in parts}) == 1000
    assert all(p[1]["Location"] == p[1]["OData-EntityId"] for p in parts)
    assert account_names(api) == [row["name"] for row in rows]
    versions = api.get("accounts?$select=versionnumber").json()["value"]
    assert len({row["versionnumber"] for row in versions}) == 1000


def test_a_thousand_change_sets_of_updates(api):
    targets = [
        {"@odata.type": "Microsoft.Dynamics.CRM.account", "name": f"{n}"} for n in range(1000)
    ]
    created = api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets})
    ids = created.json()["Ids"]
    before = {r["accountid"]: r["versionnumber"] for r in api.get("accounts").json()["value"]}
    updates = [
        ("PATCH", f"accounts({row_id})", {"name": f"Row {n:04}"}, {"If-Match": "*"})
        for n, row_id in enumerate(ids)
    ]
    response = batch(api, one_part_sets(updates))
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 5
    assert [answer[0] for answer in outcome(response)] == [204] * 1000
    assert [answer[2] for answer in outcome(response)] == [
        f"{api.base_url}accounts({row_id})" for row_id in ids
    ]
    assert account_names(api) == [f"Row {n:04}" for n in range(1000)]
    after = {r["accountid"]: r["versionnumber"] for r in api.get("accounts").json()["value"]}
    assert all(after[row_id] > before[row_id] for row_id in ids)


def mixed_creates() -> list[dict]:
    """Creates of which some fail alone or only after an earlier one succeeded."""
    first, parent = str(uuid.uuid4()), str(uuid.uuid4())
    rows = [
        {"name": "one", "accountid": first},
        {"name": "two"},
        {"name": "x" * 200},  # too long
        {"name": "child", "parentaccountid@odata.bind": f"/accounts({parent})"},  # not yet
        {"name": "parent", "accountid": parent},
        {"name": "again", "accountid": first},  # duplicate of "one"
        {"name": "child2", "parentaccountid@odata.bind": f"/accounts({parent})"},
        {"name": "bad", "nosuchcolumn": 1},
        {"name": "last"},
    ]
    return [{"accountid": str(uuid.uuid4()), **row} for row in rows]  # the same ids each run


MIXED_OUTCOME = [
    (204, None),
    (204, None),
    (400, "0x80044331"),
    (404, "0x80040217"),
    (204, None),
    (412, "0x80040237"),
    (204, None),
    (400, "0x0"),
    (204, None),
]
MIXED_CREATED = ["child2", "last", "one", "parent", "two"]
CONTINUE = {"Prefer": "odata.continue-on-error"}


def test_continue_on_error_with_failures_among_grouped_creates(api):
    response = batch(api, create_sets(mixed_creates()), CONTINUE)
    assert response.status_code == 200
    assert statuses(response) == MIXED_OUTCOME
    assert account_names(api) == MIXED_CREATED


def test_creates_answer_as_they_do_one_by_one(api, emulator):
    rows = mixed_creates()
    plain = [http_part("POST", f"{API}accounts", row) for row in rows]
    alone = outcome(batch(api, apart(create_sets(rows)), CONTINUE), step=2)
    alone_rows = account_rows(api)
    for together in (create_sets(rows), plain):
        emulator.reset()
        assert outcome(batch(api, together, CONTINUE)) == alone
        assert account_rows(api) == alone_rows
    assert [answer[:2] for answer in alone] == MIXED_OUTCOME


UPDATE_IDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]


def mixed_updates(api) -> list[tuple]:
    """Updates of which some fail, repeat a row, create one (upsert) or change state."""
    a, b, c, missing, new = UPDATE_IDS
    for row_id, name in ((a, "A"), (b, "B"), (c, "C")):
        create(api, "accounts", {"accountid": row_id, "name": name})
    star = {"If-Match": "*"}
    return [
        ("PATCH", f"accounts({a})", {"name": "A1"}, star),
        ("PATCH", f"accounts({missing})", {"name": "missing"}, star),
        ("PATCH", f"accounts({b})", {"name": "x" * 200}, star),
        ("PATCH", f"accounts({a})", {"telephone1": "555"}, star),  # the same row again
        ("PATCH", f"accounts({b})", {"statecode": 1}, star),
        ("PATCH", f"accounts({b})", {"parentaccountid@odata.bind": f"/accounts({a})"}, star),
        ("PATCH", f"accounts({c})", {"name": "C1"}, None),
        ("PATCH", f"accounts({new})", {"name": "created by upsert"}, None),
        ("PATCH", f"accounts({c})", {"name": "C2"}, {"If-Match": 'W/"1"'}),
        ("PATCH", f"accounts({c})", {"name": "C3"}, {"If-None-Match": "*"}),
    ]


def test_updates_answer_as_they_do_one_by_one(api, emulator):
    alone = outcome(batch(api, apart(one_part_sets(mixed_updates(api))), CONTINUE), step=2)
    alone_rows = account_rows(api)
    emulator.reset()
    updates = mixed_updates(api)
    plain = [
        http_part(method, f"{API}{url}", body, headers) for method, url, body, headers in updates
    ]
    assert outcome(batch(api, one_part_sets(updates), CONTINUE)) == alone
    assert account_rows(api) == alone_rows
    assert [answer[0] for answer in alone] == [204, 404, 400, 204, 204, 204, 204, 204, 412, 412]
    assert alone[7][3] is not None  # the upsert created its row: a Location, as for a POST
    rows = {row["name"]: row for row in alone_rows}
    assert rows["A1"]["telephone1"] == "555"
    assert rows["B"]["statecode"] == 1 and rows["B"]["statuscode"] == 2
    assert rows["B"]["_parentaccountid_value"] == rows["A1"]["accountid"]
    emulator.reset()
    mixed_updates(api)
    assert outcome(batch(api, plain, CONTINUE)) == alone
    assert account_rows(api) == alone_rows


def test_stop_on_first_error_among_grouped_creates(api):
    rows = [{"name": "a"}, {"name": "b"}, {"name": "y" * 200}, {"name": "d"}]
    response = batch(api, create_sets(rows))
    assert response.status_code == 400
    assert statuses(response) == [(204, None), (204, None), (400, "0x80044331")]
    assert account_names(api) == ["a", "b"]


def test_creates_keep_their_order_around_other_parts(api):
    response = batch(
        api,
        [
            http_part("POST", f"{API}accounts", {"name": "A1"}),
            http_part("POST", f"{API}accounts", {"name": "A2"}),
            http_part("GET", f"{API}accounts?$select=name&$orderby=name"),
            *create_sets([{"lastname": "C1"}, {"lastname": "C2"}], "contacts"),
            http_part("POST", f"{API}accounts", {"name": "A3"}),
            http_part("GET", f"{API}contacts/$count"),
        ],
    )
    parts = response_parts(response)
    assert [p[0] for p in parts] == [204, 204, 200, 204, 204, 204, 200]
    assert [r["name"] for r in json.loads(parts[2][2])["value"]] == ["A1", "A2"]
    assert parts[6][2].lstrip("\ufeff") == "2"  # $count answers with a BOM, as Dataverse does


def test_grouped_creates_with_return_representation(api):
    rows = [{"name": "Shown 1"}, {"name": "Shown 2"}]
    prefer = {"Prefer": "return=representation"}
    parts = [http_part("POST", f"{API}accounts?$select=name", r, prefer) for r in rows]
    answered = response_parts(batch(api, parts))
    assert [(status, json.loads(body)["name"]) for status, _, body in answered] == [
        (201, "Shown 1"),
        (201, "Shown 2"),
    ]


def test_unit_groups_created_in_a_batch_get_their_base_units(api):
    """Tables without CreateMultiple are loaded with $batch."""
    groups = [{"name": f"Group {n}", "baseuomname": f"Base {n}"} for n in range(3)]
    assert api.post("uomschedules/Microsoft.Dynamics.CRM.CreateMultiple").status_code == 400
    response = batch(api, create_sets(groups, "uomschedules"))
    assert [p[0] for p in response_parts(response)] == [204] * 3
    units = api.get("uoms?$select=name&$filter=startswith(name,'Base ')&$orderby=name").json()
    assert [u["name"] for u in units["value"]] == ["Base 0", "Base 1", "Base 2"]
