from rest_framework.routers import DefaultRouter

from cpahub.registry.api import views

router = DefaultRouter()
router.register("firms", views.FirmViewSet, basename="firm")
router.register("cpas", views.CPAViewSet, basename="cpa")
router.register("penalties", views.PenaltyViewSet, basename="penalty")
router.register("cases", views.IndustryCaseViewSet, basename="case")
router.register("applications", views.FirmApplicationViewSet, basename="application")

app_name = "registry-api"
urlpatterns = router.urls
