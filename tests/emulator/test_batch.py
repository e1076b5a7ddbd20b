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
