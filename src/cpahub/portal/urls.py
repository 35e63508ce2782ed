from django.urls import path

from cpahub.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
    path("search/", views.firm_search, name="firm_search"),
    path("firms/<int:pk>/", views.firm_detail, name="firm_detail"),
    path("cpas/<int:pk>/", views.cpa_detail, name="cpa_detail"),
    path("penalties/", views.penalties, name="penalties"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("join/", views.apply, name="apply"),
    path("join/done/", views.apply_done, name="apply_done"),
    path("healthz/", views.healthz, name="healthz"),
]
