from django.urls import path

from cpahub.ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("", views.SnapshotListView.as_view(), name="snapshot_list"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("<int:pk>/", views.SnapshotDetailView.as_view(), name="snapshot_detail"),
    path("<int:pk>/progress/", views.SnapshotProgressView.as_view(), name="snapshot_progress"),
]
