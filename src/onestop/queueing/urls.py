"""Pages of the front office without a staff login: a centre's kiosk and display board (device
token) and the public live status page of a ticket.

Grouped under their two prefixes and included first in the site's URLconf: every board polls every
second, so its URL should be found with a few pattern tests, and any other page pays only the
few prefix tests that fail."""

from django.urls import include, path

from onestop.queueing import views

app_name = "queueing"

centre_pages = [
    path("board/live", views.board_live, name="board-live"),
    path("board", views.board, name="board"),
    path("kiosk", views.kiosk, name="kiosk"),
    path("kiosk/queues/<str:prefix>", views.kiosk_queue, name="kiosk-queue"),
    path("kiosk/life-events/<slug:slug>", views.kiosk_life_event, name="kiosk-life-event"),
    path("kiosk/services/<slug:identifier>", views.kiosk_service, name="kiosk-service"),
    path("kiosk/tickets", views.kiosk_issue, name="kiosk-issue"),
    path("kiosk/tickets/<uuid:token>", views.kiosk_ticket, name="kiosk-ticket"),
    path("kiosk/check-in", views.kiosk_check_in, name="kiosk-check-in"),
]

urlpatterns = [
    path("centres/<str:code>/", include(centre_pages)),
    path("tickets/<uuid:token>", views.ticket_status, name="ticket-status"),
    path("tickets/<uuid:token>/live", views.ticket_status_live, name="ticket-status-live"),
]
