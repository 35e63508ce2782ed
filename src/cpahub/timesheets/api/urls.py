from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "timesheets-api"
urlpatterns = router.urls
