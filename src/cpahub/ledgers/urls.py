from django.urls import path

from cpahub.ledgers import views, views_profile_editor, views_profiles

app_name = "ledgers"
urlpatterns = [
    path("", views.SnapshotListView.as_view(), name="snapshot_list"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("<int:pk>/", views.SnapshotDetailView.as_view(), name="snapshot_detail"),
    path("<int:pk>/progress/", views.SnapshotProgressView.as_view(), name="snapshot_progress"),
    path("profiles/", views_profiles.ProfileListView.as_view(), name="profile_list"),
    path("profiles/sample/", views_profile_editor.ProfileSampleView.as_view(), name="profile_sample"),
    path("profiles/new/", views_profile_editor.ProfileCreateView.as_view(), name="profile_create"),
    path("profiles/<int:pk>/", views_profiles.ProfileDetailView.as_view(), name="profile_detail"),
    path("profiles/<int:pk>/edit/", views_profile_editor.ProfileEditView.as_view(), name="profile_edit"),
    path("profiles/<int:pk>/clone/", views_profiles.ProfileCloneView.as_view(), name="profile_clone"),
    path("profiles/<int:pk>/share/", views_profiles.ProfileShareView.as_view(), name="profile_share"),
    path("profiles/<int:pk>/delete/", views_profiles.ProfileDeleteView.as_view(), name="profile_delete"),
    path("profiles/<int:pk>/json/", views_profiles.ProfileJSONView.as_view(), name="profile_json"),
]
