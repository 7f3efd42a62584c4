from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from onestop.portal import applications, appointments, citizen_auth, data_tracker, views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("life-events/<slug:code>/", views.life_event_detail, name="life_event"),
    path("agencies/<slug:code>/", views.agency_detail, name="agency"),
    path("services/<slug:identifier>/", views.service_detail, name="service"),
    path("appointments/", appointments.start, name="appointments"),
    path("appointments/centre", appointments.choose_centre, name="appointment_centre"),
    path("appointments/service-group", appointments.choose_queue, name="appointment_queue"),
    path("appointments/day", appointments.choose_date, name="appointment_date"),
    path("appointments/time", appointments.choose_time, name="appointment_time"),
    path("appointments/your-details", appointments.details, name="appointment_details"),
    path("appointments/check", appointments.check, name="appointment_check"),
    path("appointments/confirmation", appointments.confirmation, name="appointment_confirmation"),
    path("appointments/manage", appointments.manage, name="appointment_manage"),
    path("appointments/manage/booking", appointments.manage_booking, name="appointment_manage_booking"),
    path("appointments/manage/day", appointments.manage_date, name="appointment_manage_date"),
    path("appointments/manage/time", appointments.manage_time, name="appointment_manage_time"),
    path("appointments/manage/cancel", appointments.manage_cancel, name="appointment_manage_cancel"),
    path("account/sign-in/", citizen_auth.sign_in, name="sign_in"),
    path("account/applications/", applications.my_applications, name="my_applications"),
    path("account/data-access/", data_tracker.data_access, name="data_access"),
    path("account/data-access.csv", data_tracker.data_access_csv, name="data_access_csv"),
    path("account/data-access.json", data_tracker.data_access_json, name="data_access_json"),
    path("account/cases/<str:number>/", applications.case_detail, name="case"),
    path("account/cases/<str:number>/answer/", applications.case_answer, name="case_answer"),
    path("account/cases/<str:number>/withdraw/", applications.case_withdraw, name="case_withdraw"),
    path("account/cases/<str:number>/result.pdf", applications.case_result, name="case_result"),
    path("apply/", applications.apply_start, name="apply_start"),
    path("apply/<int:pk>/", applications.apply_resume, name="apply_resume"),
    path("apply/<int:pk>/services/<int:item_pk>/", applications.apply_item, name="apply_item"),
    path(
        "apply/<int:pk>/services/<int:item_pk>/documents/",
        applications.apply_documents,
        name="apply_documents",
    ),
    path("apply/<int:pk>/check/", applications.apply_check, name="apply_check"),
    path("apply/<int:pk>/confirmation/", applications.apply_confirmation, name="apply_confirmation"),
    path("apply/<int:pk>/receipt.pdf", applications.apply_receipt, name="apply_receipt"),
]
if settings.ONESTOP_OIDC_ENABLED:  # the national eID, only when configured
    urlpatterns.append(path("account/eid/", include("mozilla_django_oidc.urls")))
