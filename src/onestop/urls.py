from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from onestop.core import problems

handler400 = problems.handler400
handler403 = problems.handler403
handler404 = problems.handler404
handler500 = problems.handler500

urlpatterns = [
    # First: display boards poll it every second (see queueing/urls.py).
    path("", include("onestop.queueing.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("onestop.api_urls")),
    path("accounts/", include("onestop.people.urls")),
    path("desk/", include("onestop.desk.urls")),
    path("insights/", include("onestop.insights.urls")),
    path("office/", include("onestop.office.urls")),
    path("exchange/", include("onestop.exchange.urls")),
    path("r1/", include("onestop.exchange.r1_urls")),
    path("", include("onestop.cases.urls")),
    path("", include("onestop.core.urls")),
    path("", include("onestop.portal.urls")),
]
