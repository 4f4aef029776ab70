"""Django's Redis cache backend, keeping its Redis client instead of making one per call.

Django's backend builds a new `redis.Redis` object (with its table of reply handlers) for every
get and set; on results day the learner page makes three cache calls, and building the clients
cost a tenth of the page. A client only wraps the connection pool Django already keeps and is
safe to share between threads, so one is kept for reads and one for writes. (With several
Redis servers, a process then reads from one replica rather than a random one per call.)
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
