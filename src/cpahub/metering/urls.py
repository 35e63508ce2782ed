from django.urls import path

from cpahub.metering import views

app_name = "metering"
urlpatterns = [path("", views.UsageView.as_view(), name="usage")]
