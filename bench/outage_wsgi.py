"""The project's WSGI app, unchanged except for an ``X-Worker-Pid`` response header (outage drill only).

The header tells the drill which gunicorn worker answered, so it can check that the
same workers serve again after the database returns (no worker restart).
"""

import os

from config.wsgi import application as django_application

WORKER_PID_HEADER = "X-Worker-Pid"


def application(environ, start_response):
    def start_with_pid(status, headers, exc_info=None):
        return start_response(status, [*headers, (WORKER_PID_HEADER, str(os.getpid()))], exc_info)

    return django_application(environ, start_with_pid)
