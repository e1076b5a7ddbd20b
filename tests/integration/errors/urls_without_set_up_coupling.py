"""The site's URLs with only the coupling error pages in the ``integration`` namespace."""

from django.urls import include, path

from config.urls import urlpatterns as site
from integration import urls_couplings

integration = [path("couplings/", include(urls_couplings.urlpatterns))]
urlpatterns = [
    path("admin/tandem/", include((integration, "integration"))),
    *[p for p in site if "admin/tandem/" not in str(p.pattern)],
]
