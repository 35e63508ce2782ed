from django.urls import path

from cpahub.sso import views

app_name = "sso"

urlpatterns = [
    path("login/<slug:provider>/", views.sso_login, name="login"),
    path("callback/<slug:provider>/", views.sso_callback, name="callback"),
    path("link/", views.sso_link, name="link"),
]
