from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "engagements-api"
urlpatterns = router.urls
