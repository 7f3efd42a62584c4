from django.urls import path

from onestop.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.console, name="console"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("call-next/", views.call_next, name="call_next"),
    path("tickets/<int:pk>/recall/", views.recall, name="recall"),
    path("tickets/<int:pk>/start/", views.start, name="start"),
    path("tickets/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("tickets/<int:pk>/no-show/", views.no_show, name="no_show"),
    path("tickets/<int:pk>/park/", views.park, name="park"),
    path("tickets/<int:pk>/return/", views.return_parked, name="return"),
    path("tickets/<int:pk>/identify/", views.identify, name="identify"),
    path("tickets/<int:pk>/add-service/", views.add_service, name="add_service"),
    path("tickets/<int:pk>/end/", views.end, name="end"),
    path("tickets/<int:pk>/applications/", views.start_application, name="start_application"),
]
