"""URLs when the emulator runs alone (``run_dataverse_emulator``): it sits at the root, like
a real environment URL, so the environment URL and the token authority are the same."""

from django.urls import include, path

urlpatterns = [path("", include("emulator.urls"))]
