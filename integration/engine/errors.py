"""The engine's error taxonomy (DESIGN.md): fail this record, or stop the job.

Retry-later faults never reach here as errors: the Dataverse client retries them itself and
raises ``RetryLater`` only when its budget is spent, which stops the job without moving the
watermarks so that the next run picks up where this one ended.
"""


class RecordError(Exception):
    """This record cannot be synchronized; the job goes on with the next one."""

    def __init__(self, message: str, *, detail: str = "", code: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.code = code


class JobStopped(Exception):
    """The job cannot go on (bad configuration, unusable connection)."""


class MappingBusy(Exception):
    """Another run of the same mapping holds its lease."""
