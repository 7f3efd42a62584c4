from django.urls import path

from onestop.portal import appointments, views

app_name = "portal"
urlpatterns = [
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
]
