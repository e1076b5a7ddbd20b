"""The integration app's own pages (under /admin/tandem/), one URL module per area.

Names live in the ``integration`` namespace: ``reverse("integration:<name>")``.
"""

from django.urls import include, path

app_name = "integration"
urlpatterns = [
    path("", include("integration.urls_sync")),  # full synchronization, coupling, records
    path("couplings/", include("integration.urls_couplings")),  # coupled data sync errors
    path("schedules/", include("integration.urls_schedules")),  # synchronization schedules
]
