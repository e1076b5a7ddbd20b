"""Serving the emulator alone: gunicorn, one worker process with many threads.

One process, because the fault switches, throttling counters and the clock are kept in its
memory; threads, because clients send parallel requests (``x-ms-dop-hint``) and the
concurrency limit must be reachable. gunicorn also hands each request its socket, which is
what a dropped-connection fault closes.
"""

from __future__ import annotations

import gc
import sys

from django.conf import settings
from django.db import connections
from gunicorn.app.base import BaseApplication


def prepare_settings() -> None:
    """The emulator sits at the root of its own server and needs no middleware."""
    settings.ROOT_URLCONF = "emulator.standalone_urls"
    settings.MIDDLEWARE = []
    # Keep each thread's connection instead of opening one per request.
    connections.settings["dataverse"]["CONN_MAX_AGE"] = 600


def announce(server) -> None:
    host, port = server.LISTENERS[0].sock.getsockname()[:2]
    print(f"Dataverse emulator listening on http://{host}:{port}", flush=True)


class EmulatorServer(BaseApplication):
    def __init__(self, host: str, port: int, threads: int):
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "keepalive": 75,
            # Dataverse takes URLs up to 32 KB, and clients use them (rows by id in $filter);
            # gunicorn's default answers 414 to any request line over 4 KB.
            "limit_request_line": 0,
            "timeout": 0,
            "graceful_timeout": 3,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "when_ready": announce,
            "proc_name": "dataverse-emulator",
        }
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        # A bulk request allocates a few hundred thousand short-lived objects: keep the
        # long-lived ones (Django, the schema) out of the collector's way, and collect less
        # often, so a 1,000-row request is not paused by full collections.
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        return application


def serve(host: str, port: int, threads: int) -> None:
    prepare_settings()
    connections.close_all()  # no connection may cross the fork into the worker
    sys.argv = sys.argv[:1]  # gunicorn reads the command line; ours is not for it
    EmulatorServer(host, port, threads).run()
