from onestop.queueing import api_appointments, api_devices, api_tickets

urlpatterns = [*api_tickets.urlpatterns, *api_appointments.urlpatterns, *api_devices.urlpatterns]
