"""Synchronization and coupling pages (under /admin/tandem/, namespace ``integration``).

Other pages link here by these names: ``set_up_coupling`` (``?model=<app_label.model>&pk=``),
``synchronize_now`` (``?model=&pks=<pk,pk,…>``), ``dataverse_rows`` (mapping name),
``full_sync_review`` and ``run_status`` (a request's id).
"""

from django.urls import path

from .views import mappings, matching, records, review, rows, runs

urlpatterns = [
    path("runs/<uuid:run_id>/", runs.run_status_view, name="run_status"),
    path("runs/<uuid:run_id>/progress/", runs.run_progress_view, name="run_progress"),
    path("records/synchronize-now/", records.synchronize_now_view, name="synchronize_now"),
    path("records/set-up-coupling/", records.set_up_coupling_view, name="set_up_coupling"),
    path(
        "records/create-in-dataverse/",
        records.create_in_dataverse_view,
        name="create_in_dataverse",
    ),
    path("records/delete-coupling/", records.delete_coupling_view, name="delete_coupling"),
    path(
        "synchronize-modified-records/",
        mappings.synchronize_modified_records_view,
        name="synchronize_modified_records",
    ),
    path("mappings/<str:name>/dataverse-rows/", rows.dataverse_rows_view, name="dataverse_rows"),
    path(
        "mappings/<str:name>/match-based-coupling/",
        matching.match_based_coupling_view,
        name="match_based_coupling",
    ),
    path("full-synchronization/", review.full_sync_review_view, name="full_sync_review"),
    path(
        "full-synchronization/progress/",
        review.full_sync_review_progress_view,
        name="full_sync_review_progress",
    ),
]
