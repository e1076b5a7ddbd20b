"""The log pages, under /admin/synclog/ (the admin's own synclog URLs follow them)."""

from django.urls import path

from . import views

app_name = "synclog"
urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/delete-older/", views.job_delete_older, name="job_delete_older"),
    path("jobs/delete-all/", views.job_delete_all, name="job_delete_all"),
    path("errors/", views.error_list, name="error_list"),
    path("errors/delete-older/", views.error_delete_older, name="error_delete_older"),
    path("errors/delete-all/", views.error_delete_all, name="error_delete_all"),
]
