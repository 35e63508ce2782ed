from django.urls import path

from cpahub.practice import views, views_dashboard, views_staff

app_name = "practice"
urlpatterns = [
    path("dashboard/", views_dashboard.PartnerDashboardView.as_view(), name="dashboard"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("<int:firm>/settings/", views.SettingsView.as_view(), name="settings_of"),
    path("grades/", views.GradesView.as_view(), name="grades"),
    path("<int:firm>/grades/", views.GradesView.as_view(), name="grades_of"),
    path("staff/", views_staff.StaffView.as_view(), name="staff"),
    path("<int:firm>/staff/", views_staff.StaffView.as_view(), name="staff_of"),
    path("<int:firm>/staff/<int:person>/", views_staff.StaffEditView.as_view(), name="staff_edit"),
]
