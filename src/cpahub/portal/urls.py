from django.urls import path

from cpahub.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.index, name="home"),
]
