from django.urls import path

from cpahub.timesheets import views, views_approvals, views_reports

app_name = "timesheets"

urlpatterns = [
    path("", views.WeekView.as_view(), name="my_timesheet"),
    path("week/<str:week>/", views.WeekView.as_view(), name="week"),
    path("week/<str:week>/save/", views.WeekSaveView.as_view(), name="week_save"),
    path("week/<str:week>/lines/", views.RowAddView.as_view(), name="row_add"),
    path("week/<str:week>/lines/remove/", views.RowRemoveView.as_view(), name="row_remove"),
    path("week/<str:week>/copy/", views.CopyWeekView.as_view(), name="week_copy"),
    path("week/<str:week>/submit/", views.SubmitWeekView.as_view(), name="week_submit"),
    path("approvals/", views_approvals.ApprovalsView.as_view(), name="approvals"),
    path("sheets/", views_reports.SheetListView.as_view(), name="sheet_list"),
    path("history/", views_reports.HistoryView.as_view(), name="history"),
    path("sheets/<int:pk>/", views_approvals.SheetDetailView.as_view(), name="sheet_detail"),
    path("sheets/<int:pk>/decide/", views_approvals.DecideView.as_view(), name="sheet_decide"),
    path("sheets/<int:pk>/reopen/", views_approvals.ReopenView.as_view(), name="sheet_reopen"),
    path("reports/utilisation/", views_reports.UtilisationView.as_view(), name="utilisation"),
    path("reports/budget/", views_reports.BudgetReportView.as_view(), name="budget_report"),
]
