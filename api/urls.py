"""URLs of API v1: one router for every resource and the change log, plus the schema and its docs."""

from django.urls import include, path, re_path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.core.errors import api_not_found
from api.resources import LOG_RESOURCES, RESOURCES
from api.views.global_search import SearchView
from api.views.graph import GraphView
from api.views.meta import ApiRootView, ThrottleStatusView
from api.views.timeline import TimelineView

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False
    include_root_view = False


router = Router(trailing_slash=True)
for resource in (*RESOURCES.values(), *LOG_RESOURCES.values()):
    router.register(resource.prefix, import_string(resource.viewset), basename=resource.basename)

urlpatterns = [
    path("v1/", ApiRootView.as_view(), name="root"),
    path("v1/throttle/", ThrottleStatusView.as_view(), name="throttle"),
    path("v1/timeline/", TimelineView.as_view(), name="timeline"),
    path("v1/search/", SearchView.as_view(), name="search"),
    path("v1/graph/", GraphView.as_view(), name="graph"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Any path, newlines included; exempt like every API view: an unrouted DELETE is a JSON 404, not
    # Django's HTML CSRF page.
    re_path(r"^[\s\S]*$", csrf_exempt(api_not_found)),
]
