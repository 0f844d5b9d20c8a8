"""Rate limits: separate rates for anonymous and authenticated clients (settings).

Counted in Django's cache, in fixed windows (``api.core.throttle_counts``): with Redis
(``REDIS_URL``) every worker shares the counts; without a reachable cache requests
are served unthrottled.
"""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from api.core.throttle_counts import WindowedRateThrottle


class AnonThrottle(WindowedRateThrottle, AnonRateThrottle):
    scope = "anon"


class UserThrottle(WindowedRateThrottle, UserRateThrottle):
    scope = "user"

    def allow_request(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return True  # AnonThrottle counts these
        return super().allow_request(request, view)


def throttle_for(request):
    """The throttle that counts this client's requests."""
    if request.user and request.user.is_authenticated:
        return UserThrottle()
    return AnonThrottle()
