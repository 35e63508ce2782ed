from django.contrib.auth.decorators import login_required
from django.urls import path

from cpahub.registry import views

app_name = "registry"

urlpatterns = [
    path("firms/", views.FirmListView.as_view(), name="firm_list"),
    path("firms/add/", views.FirmCreateView.as_view(), name="firm_add"),
    path("firms/<int:pk>/", views.FirmDetailView.as_view(), name="firm_detail"),
    path("firms/<int:pk>/edit/", views.FirmEditView.as_view(), name="firm_edit"),
    path("cpas/", views.CPAListView.as_view(), name="cpa_list"),
    path("cpas/add/", views.CPACreateView.as_view(), name="cpa_add"),
    path("cpas/<int:pk>/", views.CPADetailView.as_view(), name="cpa_detail"),
    path("cpas/<int:pk>/edit/", views.CPAEditView.as_view(), name="cpa_edit"),
    path("cpas/<int:pk>/move/", login_required(views.CPAMoveView.as_view()), name="cpa_move"),
    path("cpas/<int:pk>/status/", login_required(views.CPAStatusView.as_view()), name="cpa_status"),
    path("penalties/", views.PenaltyListView.as_view(), name="penalty_list"),
    path("penalties/add/", views.PenaltyCreateView.as_view(), name="penalty_add"),
    path("penalties/<int:pk>/", views.PenaltyDetailView.as_view(), name="penalty_detail"),
    path("penalties/<int:pk>/edit/", views.PenaltyEditView.as_view(), name="penalty_edit"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/add/", views.CaseCreateView.as_view(), name="case_add"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path(
        "applications/<int:pk>/<str:decision>/",
        login_required(views.ApplicationDecisionView.as_view()),
        name="application_decide",
    ),
]
