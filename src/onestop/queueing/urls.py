from django.urls import URLPattern

app_name = "queueing"
urlpatterns: list[URLPattern] = []
