"""web/gunicorn_config.py as it was before each worker had a socket of its own: one
listening socket, opened by gunicorn's arbiter and shared by the workers, where whichever
wakes first takes the connection. Only ``bench.load --sockets`` uses it, as the baseline
the workers' own sockets are measured against."""

from web.gunicorn_config import *  # noqa: F403 - the same settings, but one

reuse_port = False
