from django.urls import path

from onestop.cases import views

app_name = "cases"
urlpatterns = [
    path("verify/", views.verify_start, name="verify_start"),
    path("verify/<str:code>", views.verify, name="verify"),
    path("applications/<uuid:token>/", views.application_status, name="application-status"),
    path("applications/<uuid:token>/receipt.pdf", views.receipt, name="receipt"),
    path("documents/<int:pk>", views.document_download, name="document"),
    path("results/<int:pk>.pdf", views.output_download, name="output"),
]
