from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "billing-api"
urlpatterns = router.urls
