"""Import and export pages of the registry; included at /registry/import/."""

from django.urls import path

from cpahub.registry import views_import as views

app_name = "registry_import"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("export/", views.export, name="export"),
    path("template/<str:kind>.<str:fmt>", views.template, name="template"),
    path("<uuid:token>/", views.preview, name="preview"),
    path("<uuid:token>/errors/", views.errors, name="errors"),
    path("<uuid:token>/errors.<str:fmt>", views.error_report, name="error_report"),
    path("<uuid:token>/confirm/", views.confirm, name="confirm"),
    path("<uuid:token>/apply/", views.apply, name="apply"),
    path("<uuid:token>/done/", views.done, name="done"),
    path("<uuid:token>/discard/", views.discard, name="discard"),
]
