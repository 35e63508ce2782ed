from rest_framework.routers import DefaultRouter

from cpahub.clients.api import views

router = DefaultRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("blacklist", views.BlacklistViewSet, basename="blacklist")

app_name = "clients-api"
urlpatterns = router.urls
