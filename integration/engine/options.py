"""How a run was asked for: which records, which direction, how forceful."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from synclog.models import SyncJob


@dataclass
class RunOptions:
    # Run Full Synchronization: clear the mapping's watermarks first.
    full: bool = False
    # Run Unconditional Full Synchronization / Send / Get: write every mapped field whose value
    # differs, not only the fields that changed since the last synchronization.
    force: bool = False
    # Run Unconditional Full Synchronization: forget what was last synchronized, so every
    # coupled record is written again (Business Central zeroes the coupling timestamps).
    unconditional: bool = False
    # Create counterparts for uncoupled records even while Synch. Only Coupled Records is set
    # (full synchronization, Create in Dataverse, Create in ERP).
    create_new: bool = False
    # Synchronize Now: only these records (local system ids / Dataverse row ids).
    local_ids: list[uuid.UUID] | None = None
    dataverse_ids: list[uuid.UUID] | None = None
    # Only this direction of a bidirectional mapping (Send = To, Get = From).
    direction: str | None = None
    trigger: str = SyncJob.Trigger.MANUAL
    requested_by: str = ""
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    page_size: int = field(default_factory=lambda: settings.TANDEM_PAGE_SIZE)
    # Called after every page with (job, processed, total); total may be None.
    progress: Callable | None = None
    # Seconds to wait for another run of the same mapping to finish; 0: record "skipped".
    wait_for_lease: float = 0.0

    @property
    def is_record_run(self) -> bool:
        return self.local_ids is not None or self.dataverse_ids is not None
