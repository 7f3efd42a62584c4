from django.contrib.auth import views as auth_views
from django.urls import path

from onestop.people import views

app_name = "people"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
]
