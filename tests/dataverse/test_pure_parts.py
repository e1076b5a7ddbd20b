"""The client's pure parts on plain data: retry policy, $batch codec, rows, validation."""

import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from integration.dataverse import ClientConfig, Lookup, RecordFailed, RetryLater, WriteResult, batch
from integration.dataverse.errors import ConnectionUnusable, row_error
from integration.dataverse.metadata import AttributeMetadata, EntityMetadata
from integration.dataverse.odata_values import dumps
from integration.dataverse.rows import decode_row, encode_row
from integration.dataverse.transport import (
    RETRY_POLICY,
    Action,
    _failure_kind,
    backoff_delay,
    parse_retry_after,
)
from integration.dataverse.validation import validate_row
from integration.dataverse.writes import _in_parallel

# -- retry policy ----------------------------------------------------------------------


def test_the_policy_retries_transient_faults_and_returns_the_rest():
    assert RETRY_POLICY[429] is Action.WAIT_RETRY_AFTER
    assert {RETRY_POLICY[s] for s in (500, 502, 503, 504, "timeout", "dropped")} == {
        Action.BACK_OFF
    }
    assert RETRY_POLICY[401] is Action.RENEW_TOKEN
    assert RETRY_POLICY["refused"] is Action.STOP
    for status in (200, 204, 400, 403, 404, 412, 501):
        assert RETRY_POLICY.get(status, Action.RETURN) is Action.RETURN


def test_backoff_doubles_with_jitter_and_is_capped():
    for attempt in range(1, 10):
        delay = backoff_delay(attempt, base=1.0, cap=8.0)
        full = min(8.0, 2 ** (attempt - 1))
        assert full / 2 <= delay <= full


def test_retry_after_reads_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_network_failures_are_told_apart():
    refused = NewConnectionError(None, "Connection refused")
    assert _failure_kind(requests.ConnectionError(MaxRetryError(None, "/", refused))) == "refused"
    dropped = ProtocolError("Connection aborted.", ConnectionResetError())
    assert _failure_kind(requests.ConnectionError(dropped)) == "dropped"
    assert _failure_kind(requests.ReadTimeout()) == "timeout"
    assert _failure_kind(requests.ConnectTimeout()) == "timeout"
    assert _failure_kind(requests.exceptions.ChunkedEncodingError()) == "dropped"
    assert _failure_kind(requests.exceptions.MissingSchema()) == "bad_url"


def test_a_missing_privilege_stops_the_job_but_a_bad_row_does_not():
    assert isinstance(row_error(403, "0x80040220", "no privilege"), ConnectionUnusable)
    assert isinstance(row_error(400, "0x80044331", "too long"), RecordFailed)
    assert isinstance(row_error(403, "0x80048306", "no access to this record"), RecordFailed)


def test_the_client_reads_nothing_from_django():
    code = (
        "import sys, integration.dataverse; print(any(m.startswith('django') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- configuration -----------------------------------------------------------------------


def test_the_secret_is_not_in_the_config_repr():
    config = ClientConfig("https://org.crm.dynamics.com", "t", "app", "s3cr3t-value")
    assert "s3cr3t-value" not in repr(config)
    assert config.token_url == "https://login.microsoftonline.com/t/oauth2/v2.0/token"
    assert config.scope == "https://org.crm.dynamics.com/.default"
    assert config.api_url == "https://org.crm.dynamics.com/api/data/v9.2/"


@pytest.mark.parametrize("field", ["page_size", "write_chunk_size"])
def test_sizes_beyond_dataverse_limits_are_refused(field):
    with pytest.raises(ValueError):
        ClientConfig("https://x", "t", "c", "s", **{field: 5001})


# -- $batch --------------------------------------------------------------------------------


def test_batch_puts_each_write_in_its_own_change_set_with_crlf():
    body, content_type = batch.encode(
        [
            batch.Operation("POST", "https://x/api/data/v9.2/accounts", {"name": "A"}),
            batch.Operation("DELETE", "https://x/api/data/v9.2/accounts(1)"),
            batch.Operation("GET", "https://x/api/data/v9.2/accounts?$select=name"),
        ]
    )
    text = body.decode()
    boundary = content_type.split("boundary=")[1]
    assert text.count(f"--{boundary}\r\n") == 3 and text.endswith(f"--{boundary}--\r\n")
    assert text.count("boundary=changeset_") == 2  # the GET stays outside change sets
    assert "\n" not in text.replace("\r\n", "")
    post = "POST https://x/api/data/v9.2/accounts HTTP/1.1\r\n"
    assert post + 'Content-Type: application/json; type=entry\r\n\r\n{"name":"A"}' in text


def test_batch_answers_are_read_in_order_with_change_sets_flattened():
    text = (
        "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_a\r\n\r\n"
        "--changesetresponse_a\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n"
        "HTTP/1.1 204 No Content\r\nOData-EntityId: https://x/accounts(1)\r\n\r\n\r\n"
        "--changesetresponse_a--\r\n"
        "--batchresponse_1\r\nContent-Type: application/http\r\n\r\n"
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"
        '{"error":{"code":"0x80044331","message":"too long"}}\r\n'
        "--batchresponse_1\r\nContent-Type: application/http\r\n\r\n"
        'HTTP/1.1 200 OK\r\n\r\n{"value":[{"revenue":1.50}]}\r\n'
        "--batchresponse_1--\r\n"
    )
    answers = batch.decode(text.encode(), 'multipart/mixed; boundary="batchresponse_1"')
    assert [answer.status for answer in answers] == [204, 400, 200]
    assert answers[0].headers["odata-entityid"] == "https://x/accounts(1)"
    assert answers[1].body["error"]["code"] == "0x80044331"
    assert answers[2].body["value"][0]["revenue"] == Decimal("1.50")


def test_a_batch_is_at_most_a_thousand_operations():
    with pytest.raises(ValueError):
        batch.encode([batch.Operation("DELETE", "https://x/a(1)")] * 1001)


# -- rows --------------------------------------------------------------------------------


def contact_metadata() -> EntityMetadata:
    columns = [
        AttributeMetadata("contactid", "Uniqueidentifier", "SystemRequired", True, False),
        AttributeMetadata("lastname", "String", "ApplicationRequired", max_length=5),
        AttributeMetadata("fullname", "String", valid_for_create=False, valid_for_update=False),
        AttributeMetadata("creditlimit", "Money", min_value=Decimal(0), max_value=Decimal(100)),
        AttributeMetadata(
            "statecode", "State", "SystemRequired", False, True, options=frozenset({0, 1})
        ),
        AttributeMetadata("parentcustomerid", "Customer", targets=("account", "contact")),
        AttributeMetadata("ownerid", "Owner", "SystemRequired", targets=("systemuser", "team")),
        AttributeMetadata("transactioncurrencyid", "Lookup", targets=("transactioncurrency",)),
        AttributeMetadata("modifiedon", "DateTime", valid_for_create=False),
        AttributeMetadata("birthdate", "DateTime", format="DateOnly"),
        AttributeMetadata("donotemail", "Boolean"),
        AttributeMetadata("customersizecode", "Picklist", options=frozenset({1})),
        AttributeMetadata("salutation", "String", "SystemRequired", max_length=10),
    ]
    return EntityMetadata(
        "contact", "contacts", "contactid", "fullname", {c.logical_name: c for c in columns}
    )


def entity_set(table: str) -> str:
    return {"account": "accounts", "systemuser": "systemusers"}[table]


def test_lookups_become_binds_with_the_right_navigation_property():
    account, user = uuid4(), uuid4()
    body = encode_row(
        contact_metadata(),
        {
            "parentcustomerid": Lookup("account", account),
            "ownerid": Lookup("systemuser", user),
            "transactioncurrencyid": None,
            "creditlimit": Decimal("12.30"),
            "birthdate": datetime(1990, 5, 1, 23, tzinfo=UTC),
        },
        entity_set,
    )
    assert body == {
        "parentcustomerid_account@odata.bind": f"/accounts({account})",
        "ownerid@odata.bind": f"/systemusers({user})",
        "transactioncurrencyid@odata.bind": None,
        "creditlimit": Decimal("12.30"),
        "birthdate": "1990-05-01",
    }
    assert dumps(body).endswith('"creditlimit":12.30,"birthdate":"1990-05-01"}')


def test_rows_read_back_as_python_values():
    guid = uuid4()
    row = decode_row(
        contact_metadata(),
        {
            "@odata.etag": 'W/"5"',
            "contactid": str(guid),
            "_parentcustomerid_value": str(guid),
            "creditlimit": 5,
            "modifiedon": "2024-01-31T12:00:00Z",
            "birthdate": "1990-05-01",
            "lastname": None,
        },
    )
    assert row == {
        "@odata.etag": 'W/"5"',
        "contactid": guid,
        "_parentcustomerid_value": guid,
        "creditlimit": Decimal(5),
        "modifiedon": datetime(2024, 1, 31, 12, tzinfo=UTC),
        "birthdate": date(1990, 5, 1),
        "lastname": None,
    }


# -- validation against metadata ----------------------------------------------------------

GOOD = {"contactid": UUID(int=1), "lastname": "Hill", "salutation": "Ms"}


@pytest.mark.parametrize(
    ("change", "operation", "code", "words"),
    [
        ({"lastname": "Longer"}, "create", "0x80044331", "exceeded the maximum allowed length"),
        ({"nickname": "x"}, "create", "0x0", "Invalid property 'nickname'"),
        ({"fullname": "x"}, "create", "0x80040203", "cannot be set when a row is created"),
        ({"statecode": 1}, "create", "0x80040203", "cannot be set when a row is created"),
        ({"fullname": "x"}, "update", "0x80041100", "non-updateable"),
        ({"statecode": 7}, "update", "0x8004431a", "outside the valid range"),
        ({"customersizecode": True}, "create", "0x80040203", "takes Picklist values"),
        ({"creditlimit": Decimal("100.01")}, "create", "0x80040203", "outside the valid range"),
        ({"creditlimit": "12"}, "create", "0x80040203", "takes Money values"),
        ({"donotemail": 1}, "create", "0x80040203", "takes Boolean values"),
        ({"ownerid": Lookup("account", UUID(int=2))}, "create", "0x80040203", "refers to"),
        ({"ownerid": UUID(int=2)}, "create", "0x80040203", "takes Owner values"),
        ({"birthdate": datetime(2000, 1, 1)}, "create", "0x80040203", "without a time zone"),
        ({"salutation": None}, "create", "0x80040203", "is required"),
        ({"salutation": None}, "update", "0x80040203", "cannot be null"),
    ],
)
def test_rows_dataverse_would_refuse_are_refused_before_sending(change, operation, code, words):
    problem = validate_row(contact_metadata(), {**GOOD, **change}, operation)
    assert isinstance(problem, RecordFailed)
    assert problem.code == code and words in problem.message
    assert problem.status is None and "not sent" in str(problem)


def test_a_missing_system_required_column_fails_a_create_only():
    row = {"contactid": UUID(int=1), "lastname": "Hill"}
    assert "salutation" in validate_row(contact_metadata(), row, "create").message
    assert validate_row(contact_metadata(), row, "update") is None
    assert validate_row(contact_metadata(), GOOD, "create") is None


# -- chunks in parallel -------------------------------------------------------------------


def test_chunks_run_at_most_the_allowed_number_at_a_time():
    active, peak, lock = 0, 0, threading.Lock()
    all_busy = threading.Barrier(3, timeout=10)

    def work(chunk):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        all_busy.wait()  # passes only when three chunks are in flight together
        with lock:
            active -= 1
        return [(chunk, WriteResult(UUID(int=chunk), True))]

    outcomes = [item for batch_ in _in_parallel(work, list(range(9)), 3) for item in batch_]
    assert peak == 3 and sorted(index for index, _ in outcomes) == list(range(9))


def test_the_first_failure_stops_chunks_not_yet_started():
    started = []

    def work(chunk):
        started.append(chunk)
        if chunk == 1:
            raise RetryLater("throttled", status=429)
        return [(chunk, WriteResult(UUID(int=chunk), True))]

    done = []
    with pytest.raises(RetryLater):
        for outcomes in _in_parallel(work, [0, 1, 2, 3], 1):
            done += outcomes
    assert started == [0, 1] and [index for index, _ in done] == [0]
