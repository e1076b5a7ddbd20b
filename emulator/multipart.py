"""The multipart/mixed format of ``$batch``: the parts and the HTTP requests they carry, and
the multipart answer."""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from . import errors
from .api import ApiRequest, ApiResponse, Headers

BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
API_PATH = re.compile(r"/api/data/v[0-9.]+/")


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


def count_requests(parts) -> int:
    """Requests in the batch, those inside change sets included."""
    total = 0
    for headers, content in parts:
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/mixed"):
            total += len(split_multipart(content, boundary_of(content_type)))
        else:
            total += 1
    return total


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
