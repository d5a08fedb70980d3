"""Redis and the RQ queues, named by purpose and grouped by who works them.

With `REDIS_URL` set this is a real Redis shared by every process. Without it
(embedded mode) it is an in-process fakeredis server: the same RQ queues, jobs,
retries and registries, run by worker threads inside the serving process.

Each group has workers of its own, so a slow webhook receiver or a platform's slow
video upload (SocialDock publishing) never holds up the engine's planner or lease
expiry. Within the webhooks group the short jobs (relay, sweeper, pruning) sit on a
queue the workers take before the delivery queue.
"""

import fakeredis
import redis
from flask import Flask, current_app
from rq import Queue

WEBHOOKS_QUEUE = "webhooks"
WEBHOOK_DELIVERIES_QUEUE = "webhook-deliveries"
ENGINE_QUEUE = "engine"
PUBLISHING_QUEUE = "publishing"
# Group name -> its queues, in the order its workers take them.
QUEUE_GROUPS = {
    "engine": (ENGINE_QUEUE,),
    "webhooks": (WEBHOOKS_QUEUE, WEBHOOK_DELIVERIES_QUEUE),
    "publishing": (PUBLISHING_QUEUE,),
}
QUEUE_NAMES = tuple(name for names in QUEUE_GROUPS.values() for name in names)


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
