"""SQLite storage of the emulator: one table of JSON documents plus idempotency records.

Every resource (application, endpoint, event type, integration) is a row of ``resource``:
its kind, its parent (the owning app id for endpoints and integrations, '' otherwise), its
id (the event type's name for event types), its uid, and the document itself as JSON in the
API's own field names (plus private fields such as the endpoint secret). A partial unique
index enforces "uid unique per org (apps) / per app (endpoints)" even if two writers race.

Messages, their destinations (one message's state for one endpoint), delivery attempts and
the delivery queue (``task``: one pending HTTP call each, due at a time) have tables of their
own (``delivery`` reads and writes them); a task is deleted only in the transaction that
records its attempt, so a delivery interrupted by a stop runs again at the next start.

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
CREATE TABLE IF NOT EXISTS message (
    id       TEXT PRIMARY KEY,
    app_id   TEXT NOT NULL,
    event_id TEXT,
    created  REAL NOT NULL,
    doc      TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS message_event_id ON message (app_id, event_id)
    WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_app ON message (app_id, id);
CREATE TABLE IF NOT EXISTS destination (
    msg_id       TEXT NOT NULL,
    endpoint_id  TEXT NOT NULL,
    app_id       TEXT NOT NULL,
    status       INTEGER NOT NULL,
    next_attempt TEXT,
    PRIMARY KEY (msg_id, endpoint_id)
);
CREATE INDEX IF NOT EXISTS destination_endpoint ON destination (endpoint_id, msg_id);
CREATE TABLE IF NOT EXISTS attempt (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    msg_id      TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    created     REAL NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_msg ON attempt (msg_id, id);
CREATE INDEX IF NOT EXISTS attempt_endpoint ON attempt (endpoint_id, id);
CREATE TABLE IF NOT EXISTS task (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id        TEXT NOT NULL,
    msg_id        TEXT NOT NULL,
    endpoint_id   TEXT NOT NULL,
    due           REAL NOT NULL,
    attempt_count INTEGER NOT NULL,
    trigger_type  INTEGER NOT NULL,
    claimed       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS task_due ON task (claimed, due);
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


@dataclass
class Task:
    """One delivery of a message to one endpoint, due at ``due`` (Unix seconds)."""

    id: int
    app_id: str
    msg_id: str
    endpoint_id: str
    due: float
    attempt_count: int  # failed scheduled attempts so far: the index into the retry schedule
    trigger_type: int  # 0 scheduled, 1 manual (resend, recover): a manual one is never retried


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

    def children(self, kind: str, parent: str) -> list[dict]:
        """Every object of ``kind`` under ``parent`` (an app's endpoints), in id order."""
        with self._lock:
            rows = self._db.execute("SELECT doc FROM resource WHERE kind=? AND parent=?"
                                    " ORDER BY id", (kind, parent)).fetchall()
        return [json.loads(row[0]) for row in rows]

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

    def page_rows(self, sql: str, args: list, id_column: str, *, limit: int,
                  iterator: str | None, descending: bool) -> Page:
        """One page of ``sql`` (a SELECT whose first column is ``id_column``, with a WHERE
        clause) in id order; items are the rows without that first column. Same iterators as
        ``page``."""
        backwards = bool(iterator) and iterator.startswith("-")
        cursor = iterator[1:] if backwards else iterator
        walk_desc = descending != backwards
        args = list(args)
        if cursor:
            sql += f" AND {id_column} {'<' if walk_desc else '>'} ?"
            args.append(cursor)
        sql += f" ORDER BY {id_column} {'DESC' if walk_desc else 'ASC'} LIMIT ?"
        args.append(limit + 1)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        return Page(items=[row[1:] for row in rows],
                    iterator=rows[-1][0] if rows else cursor,
                    prev_iterator="-" + rows[0][0] if rows else None,
                    done=not more)

    # --- messages, destinations, attempts ---------------------------------------------

    def add_message(self, doc: dict, app_id: str, created: float,
                    destinations: list[str], status: int, due: float) -> bool:
        """Store a message and one scheduled delivery task per destination endpoint, at once.
        False (nothing stored) if the app already has a message with this eventId."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute(
                    "INSERT INTO message (id, app_id, event_id, created, doc) VALUES (?, ?, ?, ?, ?)",
                    (doc["id"], app_id, doc.get("eventId"), created, json.dumps(doc)))
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                return False
            for endpoint_id in destinations:
                self._db.execute("INSERT INTO destination VALUES (?, ?, ?, ?, NULL)",
                                 (doc["id"], endpoint_id, app_id, status))
                self._insert_task(app_id, doc["id"], endpoint_id, due, 0, 0)
            self._db.execute("COMMIT")
        return True

    def get_message(self, app_id: str, ref: str) -> dict | None:
        """The app's message whose id or eventId is ``ref``."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM message WHERE app_id=? AND (id=? OR event_id=?)"
                " ORDER BY id=? DESC LIMIT 1", (app_id, ref, ref, ref)).fetchone()
        return json.loads(row[0]) if row else None

    def message_by_id(self, msg_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM message WHERE id=?", (msg_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def destination(self, msg_id: str, endpoint_id: str) -> tuple | None:
        """(status, next_attempt) of a message for an endpoint, or None if never attempted."""
        with self._lock:
            return self._db.execute(
                "SELECT status, next_attempt FROM destination WHERE msg_id=? AND endpoint_id=?",
                (msg_id, endpoint_id)).fetchone()

    def destination_counts(self, endpoint_id: str, since: float | None,
                           until: float | None) -> dict[int, int]:
        """Destinations of an endpoint per status, for messages created in [since, until)."""
        sql = ("SELECT d.status, count(*) FROM destination d JOIN message m ON m.id = d.msg_id"
               " WHERE d.endpoint_id=?")
        args: list = [endpoint_id]
        if since is not None:
            sql += " AND m.created >= ?"
            args.append(since)
        if until is not None:
            sql += " AND m.created < ?"
            args.append(until)
        with self._lock:
            return dict(self._db.execute(sql + " GROUP BY d.status", args).fetchall())

    def schedule(self, app_id: str, msg_ids: list[str], endpoint_id: str, trigger_type: int,
                 status: int, due: float) -> None:
        """New deliveries of stored messages to an endpoint (resend, recover, replay)."""
        with self._lock:
            self._db.execute("BEGIN")
            for msg_id in msg_ids:
                self._db.execute(
                    "INSERT INTO destination VALUES (?, ?, ?, ?, NULL) ON CONFLICT (msg_id,"
                    " endpoint_id) DO UPDATE SET status=excluded.status, next_attempt=NULL",
                    (msg_id, endpoint_id, app_id, status))
                self._insert_task(app_id, msg_id, endpoint_id, due, 0, trigger_type)
            self._db.execute("COMMIT")

    def failed_destinations(self, endpoint_id: str, status: int, since: float,
                            until: float | None) -> list[str]:
        """Ids of messages created in [since, until) whose delivery to the endpoint failed."""
        return self._message_ids("SELECT d.msg_id FROM destination d JOIN message m ON m.id = d.msg_id"
                                 " WHERE d.endpoint_id=? AND d.status=?", [endpoint_id, status], since, until)

    def unattempted_messages(self, app_id: str, endpoint_id: str, since: float,
                             until: float | None) -> list[str]:
        """Ids of the app's messages created in [since, until) never sent to the endpoint."""
        return self._message_ids("SELECT m.id FROM message m WHERE m.app_id=? AND NOT EXISTS"
                                 " (SELECT 1 FROM destination d WHERE d.msg_id = m.id AND d.endpoint_id=?)",
                                 [app_id, endpoint_id], since, until)

    def _message_ids(self, sql: str, args: list, since: float, until: float | None) -> list[str]:
        """The first column of ``sql`` (over messages ``m``) for messages created in [since, until), by id."""
        sql += " AND m.created >= ?"
        args = [*args, since]
        if until is not None:
            sql += " AND m.created < ?"
            args.append(until)
        with self._lock:
            return [row[0] for row in self._db.execute(sql + " ORDER BY 1", args)]

    def update_message(self, doc: dict) -> None:
        with self._lock:
            self._db.execute("UPDATE message SET doc=? WHERE id=?", (json.dumps(doc), doc["id"]))

    def update_attempt(self, doc: dict) -> None:
        with self._lock:
            self._db.execute("UPDATE attempt SET doc=? WHERE id=?", (json.dumps(doc), doc["id"]))

    def get_attempt(self, msg_id: str, attempt_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM attempt WHERE msg_id=? AND id=?",
                                   (msg_id, attempt_id)).fetchone()
        return json.loads(row[0]) if row else None

    # --- the delivery queue -----------------------------------------------------------

    def _insert_task(self, app_id, msg_id, endpoint_id, due, attempt_count, trigger_type):
        self._db.execute(
            "INSERT INTO task (app_id, msg_id, endpoint_id, due, attempt_count, trigger_type)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (app_id, msg_id, endpoint_id, due, attempt_count, trigger_type))

    def release_claims(self) -> None:
        """At start-up: deliveries claimed by a process that stopped are due again."""
        with self._lock:
            self._db.execute("UPDATE task SET claimed=0 WHERE claimed=1")

    def claim_due(self, now: float, limit: int) -> list[Task]:
        """Up to ``limit`` unclaimed tasks due by ``now``, earliest first, now claimed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, app_id, msg_id, endpoint_id, due, attempt_count, trigger_type"
                " FROM task WHERE claimed=0 AND due <= ? ORDER BY due, id LIMIT ?",
                (now, limit)).fetchall()
            self._db.executemany("UPDATE task SET claimed=1 WHERE id=?",
                                 [(row[0],) for row in rows])
        return [Task(*row) for row in rows]

    def next_due(self) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT min(due) FROM task WHERE claimed=0").fetchone()
        return row[0]

    def postpone(self, task: Task, due: float) -> None:
        """Give a claimed task back, due later (an endpoint's throttle rate)."""
        with self._lock:
            self._db.execute("UPDATE task SET claimed=0, due=? WHERE id=?", (due, task.id))

    def drop_task(self, task: Task, status: int | None) -> None:
        """Forget a task that will not be attempted (its endpoint is gone or disabled)."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM task WHERE id=?", (task.id,))
            if status is not None:
                self._db.execute("UPDATE destination SET status=?, next_attempt=NULL"
                                 " WHERE msg_id=? AND endpoint_id=?",
                                 (status, task.msg_id, task.endpoint_id))
            self._db.execute("COMMIT")

    def set_destination_status(self, task: Task, status: int) -> None:
        with self._lock:
            self._db.execute("UPDATE destination SET status=? WHERE msg_id=? AND endpoint_id=?",
                             (status, task.msg_id, task.endpoint_id))

    def finish_task(self, task: Task, attempt: dict, created: float, status: int,
                    retry_due: float | None, next_attempt: str | None) -> bool:
        """Record an attempt, the destination's new status and, if ``retry_due``, the next
        scheduled task, in one transaction. False (nothing recorded) if the task is gone
        (an admin reset while it ran)."""
        with self._lock:
            self._db.execute("BEGIN")
            gone = self._db.execute("DELETE FROM task WHERE id=?", (task.id,)).rowcount == 0
            if gone:
                self._db.execute("ROLLBACK")
                return False
            self._db.execute("INSERT INTO attempt VALUES (?, ?, ?, ?, ?, ?)",
                             (attempt["id"], task.app_id, task.msg_id, task.endpoint_id,
                              created, json.dumps(attempt)))
            self._db.execute("UPDATE destination SET status=?, next_attempt=?"
                             " WHERE msg_id=? AND endpoint_id=?",
                             (status, next_attempt, task.msg_id, task.endpoint_id))
            if retry_due is not None:
                self._insert_task(task.app_id, task.msg_id, task.endpoint_id, retry_due,
                                  task.attempt_count + 1, task.trigger_type)
            self._db.execute("COMMIT")
        return True

    # --- admin -----------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            for table in ("resource", "idempotency", "message", "destination", "attempt",
                          "task"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("COMMIT")
