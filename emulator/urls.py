"""The emulator's URLs, mounted at /emulator/ by the main server and at / when alone."""

from django.urls import path, re_path

from . import views

app_name = "emulator"
urlpatterns = [
    re_path(r"^api/data/v9\.2/(?P<path>.*)$", views.web_api, name="web-api"),
    path("_control/<str:action>", views.control_action, name="control"),
    path("<str:tenant>/oauth2/v2.0/token", views.token, name="token"),
]
