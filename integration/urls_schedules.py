"""Synchronization schedules: Run Now from a schedule's page (the list is its ModelAdmin)."""

from django.contrib import admin
from django.urls import path

from .admin.schedules import run_now_view

urlpatterns = [
    path("<int:pk>/run/", admin.site.admin_view(run_now_view), name="schedule_run_now"),
]
