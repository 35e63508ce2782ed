from django.urls import path

from cpahub.clients import views, views_blacklist, views_contacts, views_import

app_name = "clients"

urlpatterns = [
    path("", views.ClientListView.as_view(), name="client_list"),
    path("add/", views.ClientFormView.as_view(), name="client_add"),
    path("similar/", views.similar, name="similar"),
    path("<int:pk>/", views.ClientDetailView.as_view(), name="client_detail"),
    path("<int:pk>/edit/", views.ClientFormView.as_view(), name="client_edit"),
    path("<int:pk>/contacts/add/", views_contacts.contact_add, name="contact_add"),
    path("contacts/<int:pk>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", views_contacts.contact_remove, name="contact_remove"),
    path("blacklist/", views_blacklist.BlacklistListView.as_view(), name="blacklist_list"),
    path("blacklist/add/", views_blacklist.BlacklistCreateView.as_view(), name="blacklist_add"),
    path("blacklist/<int:pk>/", views_blacklist.BlacklistDetailView.as_view(), name="blacklist_detail"),
    path("blacklist/<int:pk>/deactivate/", views_blacklist.deactivate, name="blacklist_deactivate"),
    path("import/", views_import.upload, name="import_upload"),
    path("import/template.<str:fmt>", views_import.template, name="import_template"),
    path("import/<uuid:token>/", views_import.check, name="import_check"),
    path("import/<uuid:token>/errors.<str:fmt>", views_import.error_report, name="import_error_report"),
    path("import/<uuid:token>/apply/", views_import.apply, name="import_apply"),
    path("import/<uuid:token>/done/", views_import.done, name="import_done"),
    path("import/<uuid:token>/discard/", views_import.discard, name="import_discard"),
]
