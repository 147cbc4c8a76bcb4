"""The default cache: Django's database cache with an atomic `incr`.

django-ratelimit counts requests with cache.add + cache.incr. Django's DatabaseCache
does incr as a get and then a set, so concurrent requests from one client could each
read the same count and slip past the limit. Here incr locks the row (SELECT ... FOR
UPDATE) for its read-modify-write, so concurrent increments queue and none is lost.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    _table: str  # set by BaseDatabaseCache.__init__; django-stubs leave it out

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, value_col = quote(self._table), quote("value")
        # Names from the cache's own settings; key and value are parameters.
        select = (
            f"SELECT {value_col} FROM {table} WHERE {quote('cache_key')} = %s "  # noqa: S608
            f"AND {quote('expires')} > now() FOR UPDATE"
        )
        update = f"UPDATE {table} SET {value_col} = %s WHERE {quote('cache_key')} = %s"  # noqa: S608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select, [key])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301 - our own cache rows
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol))
            cursor.execute(update, [encoded.decode("latin1"), key])
        return value
