"""Root URL configuration: wiring only."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from api import health
from api.views.explore import explore
from config.hubs import health as hub_health

urlpatterns = [
    re_path(r"^health/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", hub_health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    # POST language=<code>: the admin header's language switcher (django.views.i18n.set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("explore/", explore, name="explore"),
    path("", RedirectView.as_view(pattern_name="explore", permanent=False)),
]

handler500 = "api.core.errors.server_error"
