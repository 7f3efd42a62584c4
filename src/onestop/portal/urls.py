from django.urls import path

from onestop.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("life-events/<slug:code>/", views.life_event_detail, name="life_event"),
    path("agencies/<slug:code>/", views.agency_detail, name="agency"),
    path("services/<slug:identifier>/", views.service_detail, name="service"),
]
