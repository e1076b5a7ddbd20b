"""``$batch``: multipart/mixed requests, atomic change sets, Content-ID references and the
stop-on-first-error / ``odata.continue-on-error`` behaviours."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from . import errors
from .api import ApiRequest, ApiResponse, Headers, parse_prefer
from .batch_writes import Group, Write, write_of, write_together
from .errors import DataverseError
from .multipart import batch_response, boundary_of, count_requests, split_multipart, sub_request

MAX_REQUESTS = 1000


class ChangeSetFailed(Exception):
    def __init__(self, response: ApiResponse):
        self.response = response


def handle(request: ApiRequest) -> ApiResponse:
    if request.method != "POST":
        raise errors.method_not_allowed(request.method)
    if request.in_batch:
        # Batches cannot be nested (BATCH); a nested one would also slip past the 1,000 cap.
        raise errors.payload_error("$batch", "A $batch request cannot be nested in a $batch.")
    boundary = boundary_of(request.headers.get("content-type"))
    if b"\n" in request.body and b"\r\n" not in request.body:
        raise errors.payload_error(
            "$batch", "InnerException : System.ArgumentException: Stream was not readable."
        )
    parts = split_multipart(request.body, boundary)
    if count_requests(parts) > MAX_REQUESTS:
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

    Consecutive creates (or updates) of one table are written together (see batch_writes).
    When that joint write fails, the parts are split in halves and retried, down to single
    parts run the ordinary way, so every answer, rollback and stop is the one a part-by-part
    run gives; a failure costs a few retries of shrinking groups.
    """

    def __init__(self, request: ApiRequest, keep_going: bool):
        self.request = request
        self.keep_going = keep_going
        self.results: list = []
        self.failed_status: int | None = None

    def run(self, parts) -> None:
        group = Group()
        for headers, content in parts:
            write = write_of(self.request, headers, content)
            if group.writes and not group.takes(write):
                if not self.write(group.writes):
                    return
                group = Group()
            if write is not None:
                group.add(write)
            elif not self.add(*self.part(headers, content)):
                return
        if group.writes:
            self.write(group.writes)

    def add(self, result, ok: bool) -> bool:
        """Keep an answer; False when the batch stops here."""
        self.results.append(result)
        if not ok and not self.keep_going:
            self.failed_status = failing_status(result)
            return False
        return True

    def part(self, headers: Headers, content: bytes):
        """One top-level part run the ordinary way: (result, succeeded)."""
        from .routing import dispatch

        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/mixed"):
            return change_set(self.request, content, boundary_of(content_type), dispatch)
        response = dispatch(sub_request(self.request, content, None))
        return ("single", [(None, response)]), response.status < 400

    def write(self, writes: list[Write]) -> bool:
        if len(writes) == 1:
            return self.add(*self.part(writes[0].headers, writes[0].content))
        try:
            answered = write_together(writes)
        except (DataverseError, IntegrityError):
            middle = len(writes) // 2
            return self.write(writes[:middle]) and self.write(writes[middle:])
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
