from rest_framework.routers import DefaultRouter

from cpahub.billing.api import views

router = DefaultRouter()
router.register("fee-agreements", views.FeeAgreementViewSet, basename="fee-agreement")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("receipts", views.ReceiptViewSet, basename="receipt")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("reports", views.ReportViewSet, basename="report")

app_name = "billing-api"
urlpatterns = router.urls
