"""Rate limits: separate rates for anonymous and authenticated clients (settings)."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    scope = "anon"


class UserThrottle(UserRateThrottle):
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
