from rest_framework.routers import DefaultRouter

from cpahub.ledgers.api import profiles, views

router = DefaultRouter()
router.register("snapshots", views.SnapshotViewSet, basename="snapshot")
router.register("imports", views.ImportViewSet, basename="import")
router.register("profiles", profiles.MappingProfileViewSet, basename="profile")

app_name = "ledgers-api"
urlpatterns = router.urls
