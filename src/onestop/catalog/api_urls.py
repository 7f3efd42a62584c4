from django.urls import path
from rest_framework.routers import SimpleRouter

from onestop.catalog import api, cpsv_views

router = SimpleRouter()
api.register(router)

urlpatterns = [
    path("catalogue.ttl", cpsv_views.catalogue_turtle, name="catalogue-ttl"),
    path("catalogue.jsonld", cpsv_views.catalogue_jsonld, name="catalogue-jsonld"),
    *router.urls,
]
