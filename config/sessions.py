"""Sessions for several app instances: Django's `cached_db`, with a Redis that does not answer
treated as an empty cache (settings.py selects it when REDIS_URL is set).

`cached_db` writes every session to the database and keeps a copy in the cache, so a flushed or
restarted Redis signs nobody out: the next request reads the database and caches it again. But
Django's store only tolerates a failed cache *read*; while Redis is down or restarting, its
re-caching write after that read, and the existence check when a session is created (at every
sign-in), raise, and the request answers 500. Here those two fail soft, logged, and the database
answers. So does dropping the old key's copy when a sign-in gives the session a new key: that copy
only holds what the old key already held (nobody signed in, or this same student). Signing out
stays strict: a sign-out whose cached copy could not be deleted must not report success, or the
copy would still sign the browser in once Redis answered again.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

log = logging.getLogger(__name__)


class _CacheOrNothing:
    """The cache, with reads that fail as misses and writes that fail as no-ops; everything else as is."""

    def __init__(self, cache):
        self._cache = cache

    def get(self, key, default=None):
        try:
            return self._cache.get(key, default)
        except Exception as error:
            log.warning("Session read from the database: the cache did not answer (%s)", error)
            return default

    def set(self, key, value, timeout):
        try:
            self._cache.set(key, value, timeout)
        except Exception as error:
            log.warning("Session not cached: the cache did not answer (%s)", error)

    def __contains__(self, key):
        try:
            return key in self._cache
        except Exception:
            return False  # cached_db then asks the database whether the key exists

    def delete_or_log(self, key):
        try:
            self._cache.delete(key)
        except Exception as error:
            log.warning("Old session key left in the cache: the cache did not answer (%s)", error)

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = cached_db.KEY_PREFIX

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CacheOrNothing(self._cache)

    def cycle_key(self):
        # Django's cycle_key, but the old key's cached copy is dropped leniently (see above).
        data, old_key = self._session, self.session_key
        self.create()
        self._session_cache = data
        if old_key:
            DBStore.delete(self, old_key)
            self._cache.delete_or_log(self.cache_key_prefix + old_key)
