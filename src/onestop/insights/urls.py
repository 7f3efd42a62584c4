from django.urls import path

from onestop.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("centres/<str:code>/", views.centre_live, name="centre"),
    path("centres/<str:code>/figures/", views.centre_figures, name="centre_figures"),
    path("centres/<str:code>/counters/<int:number>/profile/", views.counter_profile, name="counter_profile"),
]
