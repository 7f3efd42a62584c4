"""The auditor's screens of the exchange log at /exchange/."""

from django.urls import path

from onestop.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.log_list, name="log"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("verify/", views.verify, name="verify"),
]
