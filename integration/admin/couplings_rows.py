"""Rows of Coupled Data Synchronization Errors: both sides of a coupling, as people read them."""

from dataclasses import dataclass

from ..models import Coupling
from ..services.coupling_states import CouplingState
from . import couplings_common as common

EXISTS, DELETED, NOT_CREATED, UNKNOWN = "exists", "deleted", "not_created", "unknown"
SIDE_STATUS_LABELS = {
    EXISTS: "Exists",
    DELETED: "Deleted",
    NOT_CREATED: "Not created yet",
    UNKNOWN: "Unknown",
}


@dataclass
class Side:
    """One side of a coupling: what it is, whether it exists, when it last changed."""

    table: str
    label: str
    status: str
    modified: object = None
    url: str | None = None

    @property
    def status_label(self) -> str:
        return SIDE_STATUS_LABELS[self.status]


@dataclass
class ErrorRow:
    state: CouplingState
    local: Side
    dataverse: Side
    mapping_name: str
    mapping_log_url: str | None
    log_url: str | None
    set_up_coupling_url: str | None

    @property
    def coupling(self) -> Coupling:
        return self.state.coupling

    @property
    def status_label(self) -> str:
        return "Skipped" if self.coupling.skipped else "Failed"

    @property
    def failed_directions(self) -> str:
        """Which way the last synchronization failed ("To Dataverse", "To ERP" or both)."""
        coupling, failure = self.coupling, Coupling.Result.FAILURE
        ways = []
        if coupling.last_synch_dataverse_result == failure:
            ways.append("To Dataverse")
        if coupling.last_synch_result == failure:
            ways.append("To ERP")
        return ", ".join(ways)


def local_side(state: CouplingState, user) -> Side:
    coupling, record = state.coupling, state.record
    if record is not None:
        return Side(
            coupling.local_table,
            state.local_description,
            EXISTS,
            getattr(record, "modified_at", None),
            common.record_admin_url(record, user),
        )
    status = NOT_CREATED if state.local_pending else DELETED
    return Side(coupling.local_table, str(coupling.local_id), status)


def dataverse_side(state: CouplingState) -> Side:
    coupling, row = state.coupling, state.row
    url = common.dataverse_row_url(coupling.dataverse_table, coupling.dataverse_id)
    if row.exists is None:
        status = UNKNOWN
    elif row.exists:
        status = EXISTS
    else:
        status = NOT_CREATED if state.dataverse_pending else DELETED
    label = row.name or str(coupling.dataverse_id)
    return Side(coupling.dataverse_table, label, status, row.modified_on, url)


def error_rows(states: list[CouplingState], user) -> list[ErrorRow]:
    rows = []
    for state in states:
        name = state.mapping.name if state.mapping else ""
        rows.append(
            ErrorRow(
                state=state,
                local=local_side(state, user),
                dataverse=dataverse_side(state),
                mapping_name=name,
                mapping_log_url=common.mapping_log_url(name, user) if name else None,
                log_url=common.record_log_url(state.coupling, user),
                set_up_coupling_url=common.set_up_coupling_url(state.record, user),
            )
        )
    return rows
