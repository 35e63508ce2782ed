from rest_framework.routers import DefaultRouter

from cpahub.timesheets.api import views

router = DefaultRouter()
router.register("entries", views.EntryViewSet, basename="entry")
router.register("sheets", views.SheetViewSet, basename="sheet")

app_name = "timesheets-api"
urlpatterns = router.urls
