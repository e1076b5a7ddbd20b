from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    """/favicon.ico for clients that ask for it without reading a page's <link rel="icon">."""

    permanent = False  # the static URL may change (hashed names)

    def get_redirect_url(self, *args, **kwargs):
        return static("tandem/favicon.svg")


admin.site.site_header = "Tandem"
admin.site.site_title = "Tandem"
# The lists (customers, jobs, couplings) need the width more than a second menu beside them:
# the breadcrumbs and the index page lead everywhere, as on Tandem's own pages.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("favicon.ico", FaviconView.as_view()),
    path("admin/tandem/", include("integration.urls")),
    path("admin/synclog/", include("synclog.urls")),
    path("admin/", admin.site.urls),
]

if settings.DATAVERSE_EMULATOR_ENABLED:
    urlpatterns.insert(0, path("emulator/", include("emulator.urls")))
