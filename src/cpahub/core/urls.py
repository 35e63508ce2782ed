from django.urls import path

from cpahub.core import views_changelog

app_name = "core"

urlpatterns = [
    path("changes/", views_changelog.ChangeListView.as_view(), name="change_list"),
    path("changes/<int:pk>/", views_changelog.ChangeDetailView.as_view(), name="change_detail"),
]
