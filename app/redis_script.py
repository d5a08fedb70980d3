"""A Lua script called on a Redis connection each thread keeps to itself: the request path's one round trip.

redis-py's client call checks a connection out of its pool and back in under a lock, wraps the command in its
retry policy and looks up response callbacks: about 45 µs of CPU per call here, three times the round trip's own
cost (docs/benchmarks.md, "Request path"). Every API request makes this call, so it goes to redis-py's
connection directly: the same socket, protocol parser and errors, without the per-command machinery.
"""

import hashlib
import os
import threading

import redis
from redis.exceptions import NoScriptError


class ThreadKeptScript:
    def __init__(self, client: redis.Redis, source: str):
        self.pool = client.connection_pool
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self.local = threading.local()

    def __call__(self, keys: list, args: list):
        """The script's answer. A connection Redis closed (a restart, a failover, an idle timeout) is made again
        once, as redis-py's own retry would; any other failure is raised, the connection dropped."""
        connection = self._connection()
        try:
            return self._call_on(connection, keys, args)
        except redis.ConnectionError:
            connection.disconnect()
            try:
                return self._call_on(connection, keys, args)
            except BaseException:
                connection.disconnect()
                raise
        except redis.ResponseError:
            raise  # answered in full: the connection is still in step
        except BaseException:
            connection.disconnect()
            raise

    def _call_on(self, connection, keys: list, args: list):
        try:
            return self._send(connection, "EVALSHA", self.sha, keys, args)
        except NoScriptError:  # a new or flushed Redis: EVAL sends the source and Redis caches it again
            return self._send(connection, "EVAL", self.source, keys, args)

    @staticmethod
    def _send(connection, command: str, script: str, keys: list, args: list):
        connection.send_command(command, script, len(keys), *keys, *args, check_health=False)
        return connection.read_response()

    def _connection(self):
        # Per process too: a connection made before a fork (gunicorn's preload) is not shared with the children.
        local = self.local
        if getattr(local, "pid", None) != os.getpid():
            local.connection, local.pid = self.pool.make_connection(), os.getpid()
        return local.connection
