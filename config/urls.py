"""Root URL configuration: wiring only."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("explore/", TemplateView.as_view(template_name="explore/index.html"), name="explore"),
    path("", RedirectView.as_view(pattern_name="explore", permanent=False)),
]

handler500 = "api.errors.server_error"
