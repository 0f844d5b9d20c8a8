"""One definition of "the client's IP address", shared by API throttling and the admin login lockout."""

from rest_framework.throttling import BaseThrottle


def client_ip(request) -> str:
    """The address DRF's throttles count (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``NUM_PROXIES`` reverse proxies are configured; then the entry of
    ``X-Forwarded-For`` that the outermost trusted proxy appended, which a client cannot forge.
    """
    return BaseThrottle().get_ident(request)
