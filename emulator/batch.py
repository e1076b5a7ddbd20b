"""``$batch``: multipart/mixed requests, atomic change sets, Content-ID references and the
stop-on-first-error / ``odata.continue-on-error`` behaviours."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from django.db import IntegrityError, transaction

from . import errors, records, schema
from .api import ApiRequest, ApiResponse, Headers, parse_prefer
from .errors import DataverseError
from .odata.options import parse_options
from .schema.types import Table

MAX_REQUESTS = 1000
BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
API_PATH = re.compile(r"/api/data/v[0-9.]+/")


class ChangeSetFailed(Exception):
    def __init__(self, response: ApiResponse):
        self.response = response


def boundary_of(content_type: str | None) -> str:
    match = BOUNDARY.search(content_type or "")
    if not content_type or not content_type.startswith("multipart/mixed") or not match:
        raise errors.payload_error(
            "$batch", "The batch request must be multipart/mixed with a boundary."
        )
    return match[1]


def split_multipart(body: bytes, boundary: str) -> list[tuple[Headers, bytes]]:
    """The parts between ``--boundary`` lines; each is (MIME headers, content)."""
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, content = chunk.partition(b"\r\n\r\n")
        parts.append((parse_headers(head), content))
    return parts


def parse_headers(block: bytes) -> Headers:
    headers = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return Headers(headers)


def sub_request(outer: ApiRequest, content: bytes, content_ids) -> ApiRequest:
    """The HTTP request carried by one ``application/http`` part."""
    request_line, _, rest = content.partition(b"\r\n")
    head, _, body = rest.partition(b"\r\n\r\n")
    try:
        method, url, _ = request_line.decode().split(" ", 2)
    except ValueError:
        raise errors.payload_error("$batch", "A batch part has no valid request line.") from None
    parsed = urlsplit(url)
    path = parsed.path
    found = API_PATH.search(path)
    path = path[found.end() :] if found else path.lstrip("/")
    headers = parse_headers(head)
    return ApiRequest(
        method=method.upper(),
        path=path,
        query=dict(parse_qsl(parsed.query, keep_blank_values=True)),
        headers=headers,
        body=body.rstrip(b"\r\n"),
        root=outer.root,
        caller=outer.caller,
        content_ids=content_ids,
        in_batch=True,
    )


def count_requests(parts, boundary_of_part) -> int:
    total = 0
    for headers, content in parts:
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/mixed"):
            total += len(split_multipart(content, boundary_of_part(content_type)))
        else:
            total += 1
    return total


def handle(request: ApiRequest) -> ApiResponse:
    if request.method != "POST":
        raise errors.method_not_allowed(request.method)
    boundary = boundary_of(request.headers.get("content-type"))
    if b"\n" in request.body and b"\r\n" not in request.body:
        raise errors.payload_error(
            "$batch", "InnerException : System.ArgumentException: Stream was not readable."
        )
    parts = split_multipart(request.body, boundary)
    if count_requests(parts, boundary_of) > MAX_REQUESTS:
        raise DataverseError(
            400,
            "0x80048d19",
            f"Number of requests in a batch exceeded the limit of {MAX_REQUESTS}.",
        )
    keep_going = "odata.continue-on-error" in parse_prefer(request.headers.get("prefer", ""))
    runner = Runner(request, keep_going)
    runner.run(parts)
    return batch_response(runner.results, runner.failed_status or 200)


class Runner:
    """Runs the parts in order and collects their answers until the batch stops.

    Consecutive parts that each create one row of the same table (alone or as a one-part
    change set) are written with one writer call: a per-part transaction costs milliseconds,
    and such batches are how tables without CreateMultiple are loaded. If that shared write
    fails, the parts are split in halves and retried, down to single parts run the ordinary
    way, so every answer, rollback and stop is the one a part-by-part run gives.
    """

    def __init__(self, request: ApiRequest, keep_going: bool):
        self.request = request
        self.keep_going = keep_going
        self.results: list = []
        self.failed_status: int | None = None

    def run(self, parts) -> None:
        pending: list[Creation] = []
        for headers, content in parts:
            creation = creation_of(self.request, headers, content)
            if pending and (creation is None or creation.table is not pending[0].table):
                if not self.create(pending):
                    return
                pending = []
            if creation is not None:
                pending.append(creation)
            elif not self.add(*self.part(headers, content)):
                return
        if pending:
            self.create(pending)

    def add(self, result, ok: bool) -> bool:
        """Keep an answer; False when the batch stops here."""
        self.results.append(result)
        if not ok and not self.keep_going:
            self.failed_status = failing_status(result)
            return False
        return True

    def part(self, headers: Headers, content: bytes):
        from .routing import dispatch

        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/mixed"):
            return change_set(self.request, content, boundary_of(content_type), dispatch)
        response = dispatch(sub_request(self.request, content, None))
        return ("single", [(None, response)]), response.status < 400

    def create(self, creations: list[Creation]) -> bool:
        if len(creations) == 1:
            return self.add(*self.part(creations[0].headers, creations[0].content))
        try:
            answered = create_together(creations)
        except (DataverseError, IntegrityError):
            middle = len(creations) // 2
            return self.create(creations[:middle]) and self.create(creations[middle:])
        return all(self.add(result, True) for result in answered)


def failing_status(result) -> int:
    return result[1][-1][1].status


def change_set(request: ApiRequest, content: bytes, boundary: str, dispatch):
    """All parts or none: the first failure rolls back the whole change set."""
    content_ids: dict[str, str] = {}
    answered = []
    try:
        with transaction.atomic(using="dataverse"):
            for headers, part in split_multipart(content, boundary):
                sub = sub_request(request, part, content_ids)
                content_id = headers.get("content-id") or sub.headers.get("content-id")
                if sub.method == "GET":
                    error = errors.query_error("GET requests are not allowed inside a change set.")
                    raise ChangeSetFailed(ApiResponse.error(error))
                response = dispatch(sub)
                if response.status >= 400:
                    raise ChangeSetFailed(response)
                if content_id and response.entity_url:
                    content_ids[content_id] = response.entity_url
                answered.append((content_id, response))
    except ChangeSetFailed as failure:
        return ("single", [(None, failure.response)]), False
    return ("changeset", answered), True


@dataclass
class Creation:
    """A top-level part that creates one row: a POST to an entity set, alone or as the only
    part of a change set."""

    headers: Headers  # the MIME headers of the top-level part, to run it the ordinary way
    content: bytes
    table: Table
    sub: ApiRequest
    content_id: str | None
    in_change_set: bool

    def result(self, response: ApiResponse):
        if self.in_change_set:
            return ("changeset", [(self.content_id, response)])
        return ("single", [(None, response)])


def creation_of(outer: ApiRequest, headers: Headers, content: bytes) -> Creation | None:
    from .routing import split_path

    content_type = headers.get("content-type", "")
    inner_headers, request_content, content_ids = headers, content, None
    if content_type.startswith("multipart/mixed"):
        try:
            inner = split_multipart(content, boundary_of(content_type))
        except DataverseError:
            return None
        if len(inner) != 1:
            return None
        [(inner_headers, request_content)], content_ids = inner, {}
    try:
        sub = sub_request(outer, request_content, content_ids)
    except DataverseError:
        return None  # the ordinary run answers the malformed part
    segments = split_path(sub.path)
    table = schema.BY_ENTITY_SET.get(segments[0][0])
    if sub.method != "POST" or table is None or len(segments) > 1 or segments[0][1] is not None:
        return None
    content_id = inner_headers.get("content-id") or sub.headers.get("content-id")
    return Creation(headers, content, table, sub, content_id, content_ids is not None)


def create_together(creations: list[Creation]) -> list:
    """The answers of the parts, all created in one transaction; raises if any fails."""
    requests = [(c.sub, parse_options(c.sub.query)) for c in creations]
    responses = records.create_each(creations[0].table, requests)
    return [c.result(r) for c, r in zip(creations, responses, strict=True)]


def http_part(response: ApiResponse, content_id: str | None) -> bytes:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    reason = HTTPStatus(response.status).phrase
    lines += ["", f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + response.body + b"\r\n"


def batch_response(results, status: int) -> ApiResponse:
    outer = f"batchresponse_{uuid.uuid4()}"
    chunks = []
    for kind, answered in results:
        if kind == "single":
            chunks.append(f"--{outer}\r\n".encode() + http_part(answered[0][1], None))
            continue
        inner = f"changesetresponse_{uuid.uuid4()}"
        body = b"".join(f"--{inner}\r\n".encode() + http_part(r, cid) for cid, r in answered)
        head = f"--{outer}\r\nContent-Type: multipart/mixed; boundary={inner}\r\n\r\n"
        chunks.append(head.encode() + body + f"--{inner}--\r\n".encode())
    body = b"".join(chunks) + f"--{outer}--\r\n".encode()
    headers = {"OData-Version": "4.0", "Content-Type": f"multipart/mixed; boundary={outer}"}
    return ApiResponse(status, body, headers)
