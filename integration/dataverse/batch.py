"""The ``$batch`` multipart format: many operations in one HTTP request.

Writes go one operation per change set, so each row is its own transaction: with
``Prefer: odata.continue-on-error`` a refused row gets its own error answer and its neighbours
are still written. Reads (GET) go outside change sets. Lines end in CRLF, as Dataverse
requires; answers come back in the order the operations were sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import uuid4

from .odata_values import dumps
from .transport import Transport, decode_json, not_web_api

MAX_OPERATIONS = 1000  # Dataverse refuses larger batches
CRLF = "\r\n"


@dataclass
class Operation:
    method: str
    url: str  # absolute URL of the resource
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any  # decoded JSON, or {} when there is none

    # Read like a requests.Response where errors are raised from a status and a reason.
    @property
    def status_code(self) -> int:
        return self.status

    @property
    def reason(self) -> str:
        return f"HTTP {self.status}"


def encode(operations: list[Operation]) -> tuple[bytes, str]:
    """Return the body and Content-Type of a ``$batch`` request for ``operations``."""
    if len(operations) > MAX_OPERATIONS:
        raise ValueError(f"a $batch holds at most {MAX_OPERATIONS} operations")
    boundary = f"batch_{uuid4().hex}"
    lines: list[str] = []
    for number, operation in enumerate(operations, start=1):
        lines.append(f"--{boundary}")
        if operation.method == "GET":
            lines += _part(operation, content_id=None)
            continue
        changeset = f"changeset_{uuid4().hex}"
        lines += [f"Content-Type: multipart/mixed; boundary={changeset}", "", f"--{changeset}"]
        lines += _part(operation, content_id=number)
        lines.append(f"--{changeset}--")
    lines.append(f"--{boundary}--")
    body = CRLF.join(lines) + CRLF
    return body.encode("utf-8"), f"multipart/mixed; boundary={boundary}"


def _part(operation: Operation, content_id: int | None) -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{operation.method} {operation.url} HTTP/1.1"]
    if operation.body is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += [f"{name}: {value}" for name, value in operation.headers.items()]
    lines += ["", dumps(operation.body) if operation.body is not None else ""]
    return lines


def get_all(transport: Transport, urls: list[str]) -> list[Answer]:
    """GET ``urls`` in one ``$batch`` request; return their answers in the same order."""
    body, content_type = encode([Operation("GET", url) for url in urls])
    transport.stats.add("batch_requests")
    response = transport.request(
        "POST",
        transport.url("$batch"),
        data=body,
        headers={"Content-Type": content_type, "Prefer": "odata.continue-on-error"},
    )
    if response.status_code != 200:
        whole = Answer(response.status_code, {}, decode_json(response))
        return [whole] * len(urls)
    answers = decode_answer(response)
    missing = Answer(502, {}, {"error": {"code": "", "message": "No answer in the $batch."}})
    return answers + [missing] * (len(urls) - len(answers))


def decode_answer(response) -> list[Answer]:
    """The answers of a ``$batch`` response; ``ConnectionUnusable`` if it is not one."""
    try:
        return decode(response.content, response.headers.get("Content-Type", ""))
    except (ValueError, IndexError, UnicodeDecodeError):
        raise not_web_api(response, response.headers.get("Content-Type", "")) from None


def decode(content: bytes, content_type: str) -> list[Answer]:
    """Return the answers of a ``$batch`` response, change sets flattened, in order."""
    boundary = _boundary(content_type)
    if boundary is None:
        raise ValueError(f"not a multipart response: {content_type!r}")
    answers: list[Answer] = []
    for part in _parts(content.decode("utf-8"), boundary):
        headers, body = _split_head(part)
        nested = _boundary(headers.get("content-type", ""))
        if nested:
            answers += decode(body.encode("utf-8"), headers["content-type"])
        else:
            answers.append(_answer(body))
    return answers


def _boundary(content_type: str) -> str | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match[1] if match else None


def _parts(text: str, boundary: str) -> list[str]:
    delimiter = re.compile(rf"(?:^|\r?\n)--{re.escape(boundary)}(--)?[ \t]*(?:\r?\n|$)")
    parts, last, closed = [], None, False
    for match in delimiter.finditer(text):
        if last is not None:
            parts.append(text[last : match.start()])
        last, closed = match.end(), bool(match[1])
        if closed:
            break
    if not closed:
        raise ValueError("the batch response ends before its closing boundary")
    return parts


def _split_head(text: str) -> tuple[dict[str, str], str]:
    """Split MIME headers from what follows the first blank line."""
    head, rest = _head_and_rest(text)
    return _headers(head.splitlines()), rest


def _head_and_rest(text: str) -> tuple[str, str]:
    blank = re.search(r"\r?\n\r?\n", text)
    return (text[: blank.start()], text[blank.end() :]) if blank else (text, "")


def _headers(lines: list[str]) -> dict[str, str]:
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _answer(text: str) -> Answer:
    """Read one embedded HTTP response: status line, headers, blank line, JSON body."""
    head, body = _head_and_rest(text)
    status_line, *header_lines = head.splitlines()
    body = body.strip()
    decoded: Any = {}
    if body:
        try:
            decoded = json.loads(body, parse_float=Decimal)
        except ValueError:
            decoded = {"error": {"code": "", "message": body[:500]}}
    return Answer(int(status_line.split()[1]), _headers(header_lines), decoded)
