"""SQLite storage of the emulator: one table of JSON documents plus idempotency records.

Every resource (application, endpoint, event type, integration) is a row of ``resource``:
its kind, its parent (the owning app id for endpoints and integrations, '' otherwise), its
id (the event type's name for event types), its uid, and the document itself as JSON in the
API's own field names (plus private fields such as the endpoint secret). A partial unique
index enforces "uid unique per org (apps) / per app (endpoints)" even if two writers race.

One connection, guarded by a lock, in WAL mode with ``synchronous=NORMAL``: durable across
a clean restart, no fsync per request. The server's handlers run on one event loop and do
their read-check-write sequences without awaiting, so each sequence is atomic.
"""

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resource (
    kind   TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    id     TEXT NOT NULL,
    uid    TEXT,
    doc    TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS resource_uid ON resource (kind, parent, uid)
    WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS resource_parent ON resource (kind, parent, id);
CREATE TABLE IF NOT EXISTS idempotency (
    token   TEXT NOT NULL,
    key     TEXT NOT NULL,
    path    TEXT NOT NULL,
    status  INTEGER NOT NULL,
    body    BLOB NOT NULL,
    media   TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (token, key, path)
);
"""

CHILD_KINDS = ("endpoint", "integration")

# Filters of Store.page, as SQL conditions on the listed row (``r``).
FILTERS = {
    "not_archived": "coalesce(json_extract(r.doc, '$.archived'), 0) = 0",
    "has_endpoints": "EXISTS (SELECT 1 FROM resource e WHERE e.kind = 'endpoint'"
                     " AND e.parent = r.id)",
    "not_only_disabled_endpoints": (
        "NOT EXISTS (SELECT 1 FROM resource e WHERE e.kind = 'endpoint' AND e.parent = r.id)"
        " OR EXISTS (SELECT 1 FROM resource e WHERE e.kind = 'endpoint' AND e.parent = r.id"
        " AND coalesce(json_extract(e.doc, '$.disabled'), 0) = 0)"),
}


class UidConflict(Exception):
    """Another live object of the same kind and parent already has this uid."""


@dataclass
class Page:
    items: list
    iterator: str | None
    prev_iterator: str | None
    done: bool


class Store:
    def __init__(self, path: str):
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- resources -----------------------------------------------------------------

    def get(self, kind: str, ref: str, parent: str = "") -> dict | None:
        """The object whose id or uid is ``ref``."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM resource WHERE kind=? AND parent=? AND (id=? OR uid=?)"
                " ORDER BY id=? DESC LIMIT 1",
                (kind, parent, ref, ref, ref),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, doc: dict, parent: str = "", *, id_field: str = "id") -> None:
        """Insert or replace ``doc``; raises UidConflict if its uid is taken."""
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO resource (kind, parent, id, uid, doc) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (kind, id) DO UPDATE"
                    " SET parent=excluded.parent, uid=excluded.uid, doc=excluded.doc",
                    (kind, parent, doc[id_field], doc.get("uid"), json.dumps(doc)),
                )
        except sqlite3.IntegrityError as err:
            raise UidConflict(doc.get("uid")) from err

    def uid_taken(self, kind: str, uid: str | None, parent: str = "", except_id: str = "") -> bool:
        if uid is None:
            return False
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM resource WHERE kind=? AND parent=? AND uid=? AND id<>?",
                (kind, parent, uid, except_id),
            ).fetchone()
        return row is not None

    def delete(self, kind: str, id_: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM resource WHERE kind=? AND id=?", (kind, id_))
            if kind == "app":
                self._db.executemany(
                    "DELETE FROM resource WHERE kind=? AND parent=?",
                    [(child, id_) for child in CHILD_KINDS],
                )
            self._db.execute("COMMIT")

    def page(
        self,
        kind: str,
        parent: str = "",
        *,
        limit: int,
        iterator: str | None,
        descending: bool,
        filters: tuple[str, ...] = (),
    ) -> Page:
        """One page in id order. ``iterator`` is the last id seen; ``-id`` pages backwards.

        ``filters`` name conditions of FILTERS that listed rows must meet.
        """
        backwards = bool(iterator) and iterator.startswith("-")
        cursor = iterator[1:] if backwards else iterator
        walk_desc = descending != backwards
        sql = "SELECT r.id, r.doc FROM resource r WHERE r.kind=? AND r.parent=?"
        args: list = [kind, parent]
        for name in filters:
            sql += f" AND ({FILTERS[name]})"
        if cursor:
            sql += " AND r.id < ?" if walk_desc else " AND r.id > ?"
            args.append(cursor)
        sql += f" ORDER BY r.id {'DESC' if walk_desc else 'ASC'} LIMIT ?"
        args.append(limit + 1)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        return Page(
            items=[json.loads(doc) for _, doc in rows],
            iterator=rows[-1][0] if rows else cursor,
            prev_iterator="-" + rows[0][0] if rows else None,
            done=not more,
        )

    # --- idempotency -----------------------------------------------------------------

    def idempotent_response(self, token: str, key: str, path: str, ttl: float):
        with self._lock:
            row = self._db.execute(
                "SELECT status, body, media FROM idempotency"
                " WHERE token=? AND key=? AND path=? AND created>?",
                (token, key, path, time.time() - ttl),
            ).fetchone()
        return row

    def remember_response(self, token: str, key: str, path: str, status: int, body: bytes,
                          media: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token, key, path, status, body, media, time.time()),
            )

    # --- admin -----------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM resource")
            self._db.execute("DELETE FROM idempotency")
            self._db.execute("COMMIT")
