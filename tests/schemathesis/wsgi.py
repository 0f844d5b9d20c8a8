"""The API's WSGI application, with server errors logged to stderr.

Production settings log a 500's traceback nowhere but ``mail_admins``; the fuzzing
run needs it in the server log to say what broke.
"""

import logging

from config.wsgi import application

_handler = logging.StreamHandler()
_handler.setLevel(logging.ERROR)
logging.getLogger("django.request").addHandler(_handler)

__all__ = ["application"]
