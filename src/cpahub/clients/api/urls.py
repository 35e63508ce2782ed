from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "clients-api"
urlpatterns = router.urls
