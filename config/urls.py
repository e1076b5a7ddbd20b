from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/tandem/", include("integration.urls")),
    path("admin/synclog/", include("synclog.urls")),
    path("admin/", admin.site.urls),
]

if settings.DATAVERSE_EMULATOR_ENABLED:
    urlpatterns.insert(0, path("emulator/", include("emulator.urls")))
