"""Root URL configuration: wiring only."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from api import health
from api.views.explore import explore

urlpatterns = [
    re_path(r"^health/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("explore/", explore, name="explore"),
    path("", RedirectView.as_view(pattern_name="explore", permanent=False)),
]

handler500 = "api.core.errors.server_error"
