from django.urls import path

from onestop.office import views

app_name = "office"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("agency/", views.agency, name="agency"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/start-review/", views.start_review, name="start_review"),
    path("cases/<str:number>/request-information/", views.request_information, name="request_information"),
    path("cases/<str:number>/approve/", views.approve, name="approve"),
    path("cases/<str:number>/reject/", views.reject, name="reject"),
    path("cases/<str:number>/fetch-evidence/", views.fetch_evidence, name="fetch_evidence"),
    path("cases/<str:number>/issue-result/", views.issue_result, name="issue_result"),
    path("cases/<str:number>/close/", views.close, name="close"),
    path("cases/<str:number>/reassign/", views.reassign, name="reassign"),
]
