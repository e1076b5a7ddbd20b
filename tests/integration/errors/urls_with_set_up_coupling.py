"""The site's URLs, plus a stand-in Set Up Coupling page in the ``integration`` namespace."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as site
from integration import urls_couplings


def set_up_coupling(request):
    return HttpResponse("Set Up Coupling")


integration = [
    path("couple/", set_up_coupling, name="set_up_coupling"),
    path("couplings/", include(urls_couplings.urlpatterns)),
]
urlpatterns = [
    path("admin/tandem/", include((integration, "integration"))),
    *[p for p in site if "admin/tandem/" not in str(p.pattern)],
]
