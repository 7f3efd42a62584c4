"""Pages of the front office without a staff login: a centre's kiosk and display board (device
token) and the public live status page of a ticket."""

from django.urls import path

from onestop.queueing import views

app_name = "queueing"

urlpatterns = [
    path("centres/<str:code>/kiosk", views.kiosk, name="kiosk"),
    path("centres/<str:code>/kiosk/queues/<str:prefix>", views.kiosk_queue, name="kiosk-queue"),
    path("centres/<str:code>/kiosk/life-events/<slug:slug>", views.kiosk_life_event, name="kiosk-life-event"),
    path("centres/<str:code>/kiosk/services/<slug:identifier>", views.kiosk_service, name="kiosk-service"),
    path("centres/<str:code>/kiosk/tickets", views.kiosk_issue, name="kiosk-issue"),
    path("centres/<str:code>/kiosk/tickets/<uuid:token>", views.kiosk_ticket, name="kiosk-ticket"),
    path("centres/<str:code>/kiosk/check-in", views.kiosk_check_in, name="kiosk-check-in"),
    path("centres/<str:code>/board", views.board, name="board"),
    path("centres/<str:code>/board/live", views.board_live, name="board-live"),
    path("tickets/<uuid:token>", views.ticket_status, name="ticket-status"),
    path("tickets/<uuid:token>/live", views.ticket_status_live, name="ticket-status-live"),
]
