"""Django's Redis cache, degraded to "no cache" while Redis cannot be reached."""

import logging
import pickle
import time

import hiredis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from redis.exceptions import RedisError

logger = logging.getLogger("api.cache")
_LOG_EVERY = 30.0


class Serializer(RedisSerializer):
    """Django's serializer (integers as digits, anything else pickled), reading a pickle
    without first failing to read it as an integer: every pickle of protocol 2 or more
    starts with the PROTO opcode, which no integer's digits do."""

    def loads(self, data):
        if data[:1] == b"\x80":
            return pickle.loads(data)
        try:
            return int(data)
        except ValueError:
            return pickle.loads(data)  # Protocol 0 or 1, if configured so.


class ReusingClient(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per connection pool.

    Django builds a new redis.Redis (and its table of ~200 response callbacks) for every
    operation; on a cache hit that was most of the time spent. redis.Redis is thread-safe.
    """

    def __init__(self, *args, serializer=Serializer, **kwargs):
        super().__init__(*args, serializer=serializer, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client

    def get_list(self, keys):
        """The values of `keys` (made keys), None where missing: one MGET.

        Packed by hiredis and sent on a pooled connection directly: redis-py's command
        layer (retries, events, response callbacks, none of which an MGET needs, and
        encoding each key in Python) cost a quarter of a cache hit. The pool hands out only
        connections it checked; one that fails under the command is dropped, and the error
        raised as from the client.
        """
        command = hiredis.pack_command(("MGET", *keys))
        pool = self.get_client(None).connection_pool
        connection = pool.get_connection()
        try:
            connection.send_packed_command([command])
            values = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
        loads = self._serializer.loads
        return [None if value is None else loads(value) for value in values]


class ResilientRedisCache(RedisCache):
    """Every operation that fails on a Redis error answers as a miss and is logged.

    The API then serves from the database: slower, never wrong, since nothing cached can
    be read back either. Logging is limited to one line per 30 seconds.
    """

    _last_logged = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingClient

    def validate_key(self, key):
        """Keys are ours and Redis takes any: skip the memcached checks (a cost per key)."""

    def prepare_keys(self, keys):
        """`keys` as `get_prepared` reads them: made (prefix, version) and encoded once,
        for keys a cache hit reads every time."""
        return tuple(self.make_key(key).encode() for key in keys)

    def get_prepared(self, key, prepared):
        """The values of `key` and then of the `prepared` keys, in order, None where
        missing: one MGET, without `get_many`'s two dictionaries and its key making (a
        cost per key on a hit that reads dozens)."""
        try:
            return self._cache.get_list([self.make_key(key), *prepared])
        except RedisError as error:
            return self._degrade("get_prepared", error, [None] * (1 + len(prepared)))

    def count(self, key, timeout):
        """Add one to the counter `key`, created at 0 to live `timeout` seconds; its value.

        One round trip (`SET NX EX` and `INCR` in one transaction), where `add` then `incr`
        took three (Django's `incr` asks whether the key exists first). On a Redis error
        the count is 1, as `incr` answers then.
        """
        key = self.make_and_validate_key(key)
        try:
            with self._cache.get_client(key, write=True).pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=timeout, nx=True)
                pipe.incr(key)
                return pipe.execute()[1]
        except RedisError as error:
            return self._degrade("count", error, 1)

    def _degrade(self, operation, error, default):
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged > _LOG_EVERY:
            ResilientRedisCache._last_logged = now
            logger.warning(
                "Redis unavailable (%s: %s); serving without the cache", operation, error
            )
        return default


def _guard(name, default):
    method = getattr(RedisCache, name)

    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            return self._degrade(name, error, default() if callable(default) else default)

    guarded.__name__ = name
    guarded.__doc__ = method.__doc__
    return guarded


for _name, _default in {
    "get_many": dict,
    "set": None,
    "set_many": list,
    "add": False,
    "delete": False,
    "touch": False,
    "has_key": False,
    "clear": None,
    "delete_many": None,
}.items():
    setattr(ResilientRedisCache, _name, _guard(_name, _default))


def _get(self, key, default=None, version=None):
    try:
        return RedisCache.get(self, key, default, version)
    except RedisError as error:
        return self._degrade("get", error, default)


def _incr(self, key, delta=1, version=None):
    try:
        return RedisCache.incr(self, key, delta, version)
    except RedisError as error:
        # Callers treat a missing counter as the start of a new one.
        return self._degrade("incr", error, delta)


ResilientRedisCache.get = _get
ResilientRedisCache.incr = _incr
