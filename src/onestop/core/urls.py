from django.urls import path

from onestop.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
