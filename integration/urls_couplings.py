"""Coupled Data Synchronization Errors, the Dataverse row page, and the error actions.

Included at ``admin/tandem/couplings/`` in the ``integration`` namespace.
"""

from django.urls import path

from .admin import couplings, couplings_records

urlpatterns = [
    path("", couplings.coupling_errors, name="coupling_errors"),
    path("action/", couplings.coupling_errors_action, name="coupling_errors_action"),
    path("retry-all/", couplings.retry_all, name="coupling_errors_retry_all"),
    path("find-for-deleted/", couplings.find_for_deleted, name="coupling_errors_find_for_deleted"),
    path(
        "dataverse/<slug:table>/<uuid:row_id>/",
        couplings_records.dataverse_row,
        name="dataverse_row",
    ),
    path(
        "errors/<int:pk>/synchronize/",
        couplings_records.error_synchronize,
        name="error_synchronize",
    ),
    path(
        "errors/<int:pk>/delete-coupling/",
        couplings_records.error_delete_coupling,
        name="error_delete_coupling",
    ),
]
