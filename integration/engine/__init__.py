"""The synchronization engine: one table mapping, one direction at a time.

Read it top to bottom: ``runner.synchronize`` holds the mapping's lease and runs
``to_dataverse.ToDataverse`` then ``from_dataverse.FromDataverse``; each pass works a page of
records at a time through ``local_table``, ``couplings``, ``lookups``, ``transfer`` and
``merge``, and records its job through ``joblog``.
"""

from .errors import JobStopped, MappingBusy, RecordError
from .options import RunOptions
from .runner import synchronize

__all__ = ["JobStopped", "MappingBusy", "RecordError", "RunOptions", "synchronize"]
