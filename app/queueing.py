"""Redis and the RQ queues, named by purpose.

With `REDIS_URL` set this is a real Redis shared by every process. Without it
(embedded mode) it is an in-process fakeredis server: the same RQ queues, jobs,
retries and registries, run by a worker thread inside the serving process.
"""

import fakeredis
import redis
from flask import Flask, current_app
from rq import Queue

WEBHOOKS_QUEUE = "webhooks"
ENGINE_QUEUE = "engine"
QUEUE_NAMES = (WEBHOOKS_QUEUE, ENGINE_QUEUE)


def is_embedded(app: Flask | None = None) -> bool:
    return not (app or current_app).config.get("REDIS_URL")


def redis_connection(app: Flask | None = None) -> redis.Redis:
    app = app or current_app
    connection = app.extensions.get("socialscalr.redis")
    if connection is None:
        if is_embedded(app):
            connection = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        else:
            connection = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=30, socket_connect_timeout=5)
        app.extensions["socialscalr.redis"] = connection
    return connection


def get_queue(name: str, app: Flask | None = None) -> Queue:
    return Queue(name, connection=redis_connection(app))
