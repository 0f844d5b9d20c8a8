"""Endpoints about the API itself: the root index and the client's rate-limit status."""

from __future__ import annotations

import math

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.core.resource_urls import ALL_RESOURCES
from api.core.throttling import throttle_for
from api.views.base import ContractMixin

EXTRA_ENDPOINTS = ("throttle", "graph", "search", "timeline")


class ApiRootView(ContractMixin, APIView):
    """Every resource of API v1 (the change log too), by name, with its URL."""

    supports_shape = False  # fields/omit/expand do not apply

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = []

    @extend_schema(
        operation_id="api_root",
        summary="Index of the API's collections",
        responses=inline_serializer(
            "ApiRoot",
            {
                **{r.prefix.replace("-", "_"): serializers.URLField() for r in ALL_RESOURCES.values()},
                **{name: serializers.URLField() for name in EXTRA_ENDPOINTS},
            },
        ),
    )
    def get(self, request):
        names = [(r.prefix.replace("-", "_"), f"api:{r.basename}-list") for r in ALL_RESOURCES.values()]
        names += [(name, f"api:{name}") for name in EXTRA_ENDPOINTS]
        data = {}
        for key, url_name in names:
            try:
                data[key] = request.build_absolute_uri(reverse(url_name))
            except NoReverseMatch:  # an endpoint not routed in this deployment
                continue
        return Response(data)


class ThrottleStatusView(ContractMixin, APIView):
    """Your rate limit and current use, as every server process counts it.

    Calling it does not count against the limit.
    """

    supports_shape = False  # fields/omit/expand do not apply

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = []

    @extend_schema(
        operation_id="throttle_status",
        summary="Your rate limits and what is left of them",
        responses=inline_serializer(
            "ThrottleStatus",
            {
                "scope": serializers.ChoiceField(choices=["anon", "user"], help_text="Which limit applies to you."),
                "rate": serializers.CharField(help_text='The configured rate, e.g. "120/min".'),
                "limit": serializers.IntegerField(help_text="Requests allowed per window."),
                "window_seconds": serializers.IntegerField(),
                "used": serializers.IntegerField(
                    help_text="Requests counted in the current window (refused ones included)."
                ),
                "remaining": serializers.IntegerField(),
                "reset_in_seconds": serializers.IntegerField(
                    help_text="Seconds until the current window ends and its count starts again (0: nothing counted)."
                ),
                "enforced": serializers.BooleanField(
                    help_text="False while the shared store of the counts (Redis) cannot be reached: "
                    "requests are then served unthrottled, and used reads 0."
                ),
            },
        ),
    )
    def get(self, request):
        throttle = throttle_for(request)
        window = throttle.current_window(request, self)
        used = window.used if window is not None else 0
        return Response(
            {
                "scope": throttle.scope,
                "rate": throttle.rate,
                "limit": throttle.num_requests,
                "window_seconds": throttle.duration,
                "used": used,
                "remaining": max(0, throttle.num_requests - used),
                "reset_in_seconds": math.ceil(window.resets_in) if used else 0,
                "enforced": window is not None,
            }
        )
