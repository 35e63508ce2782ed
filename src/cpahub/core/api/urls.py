from rest_framework.routers import DefaultRouter

from cpahub.core.api import views

router = DefaultRouter()
router.register("changes", views.ObjectChangeViewSet, basename="change")

app_name = "core-api"
urlpatterns = router.urls
