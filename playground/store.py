"""The run store: runs, their configs, metric history and eval artifacts, in one SQLite file.

Plain dicts and lists in and out; configs, run info, summaries and eval payloads are JSON
columns. Holds no torch and no Streamlit, and knows nothing of how a run trains: the run
manager writes, the pages read.

Threads: one connection per thread (`threading.local`), WAL mode so readers never block the
writer, and a busy timeout so concurrent writers wait instead of failing. Every multi-row
write is one `BEGIN IMMEDIATE` transaction: taking the write lock up front avoids the
deferred-transaction upgrade that WAL answers with SQLITE_BUSY however long the timeout.

Values that JSON cannot hold (NaN, inf) are stored as null, so a diverged run never breaks a
round trip. A database file that SQLite cannot read is moved aside, never deleted, and a fresh
store is started; `Store.warning` then says so in one line for the UI.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

STATUSES = ("queued", "running", "completed", "stopped", "diverged", "failed", "interrupted")
ACTIVE = ("queued", "running")        # never deleted by retention; interrupted at start-up
INTERRUPTED_REASON = "the server stopped while this run was training"
METRIC_FIELDS = ("step", "loss", "grad_norm", "lr", "time")
BUSY_TIMEOUT_MS = 5000

# _MIGRATIONS[v] takes a store from user_version v to v + 1; statements run one by one
# inside one transaction (executescript would commit half-way).
_MIGRATIONS = [
    [
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            owner TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            reason TEXT,
            config TEXT NOT NULL,
            info TEXT NOT NULL DEFAULT '{}',
            summary TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL)""",
        "CREATE INDEX runs_by_created ON runs (created_at)",
        "CREATE INDEX runs_by_status ON runs (status)",
        # metric rows are small and read in step order: cluster them by (run, step)
        """CREATE TABLE metrics (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            loss REAL, grad_norm REAL, lr REAL, time REAL,
            extra TEXT,
            PRIMARY KEY (run_id, step)) WITHOUT ROWID""",
        # eval payloads can be large (image grids), which WITHOUT ROWID tables handle badly
        """CREATE TABLE evals (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (run_id, step))""",
    ],
]
SCHEMA_VERSION = len(_MIGRATIONS)  # PRAGMA user_version of an up-to-date store


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message is one line naming the path."""


class _Unreadable(Exception):
    """Internal: SQLite says the file is not a (healthy) database."""

    def __init__(self, message: str):
        super().__init__(" ".join(message.split()))  # quick_check reports span lines


def default_store_path() -> Path:
    """$PLAYGROUND_STORE, else the user's data dir; the parent directory is created."""
    env = os.environ.get("PLAYGROUND_STORE")
    if env:
        path = Path(env).expanduser()
    else:
        data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        path = data_home / "transformer-loss-playground" / "runs.sqlite3"
    _make_parent(path)
    return path


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot create the folder for the run store at {path}: "
                         f"{err.strerror or err}") from None


def _json_safe(value):
    """`value` as strict JSON data: NaN/inf become None, tuples lists, numpy/torch values Python."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars, tensors: duck-typed, no imports
        return _json_safe(value.tolist())
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def _dumps(value) -> str:
    return json.dumps(_json_safe(value), allow_nan=False, separators=(",", ":"))


def _loads(text: str | None):
    return None if text is None else json.loads(text)


def _real(value) -> float | None:
    """A metric column: a finite float or None (SQLite would keep inf, and NaN only by luck)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of: {', '.join(STATUSES)}")


def _run_from_row(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "tags": json.loads(row["tags"]),
        "owner": row["owner"],
        "status": row["status"],
        "reason": row["reason"],
        "config": json.loads(row["config"]),
        "info": json.loads(row["info"]),
        "summary": _loads(row["summary"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


class Store:
    """Runs, metrics and evals in one SQLite file; safe to share between threads.

    Each thread gets its own connection on first use. `close()` closes the calling thread's
    connection and refuses later calls; other threads' connections close when those threads end
    (an sqlite3 connection may only be closed by the thread that made it).
    """

    def __init__(self, path: str | os.PathLike):
        if str(path) == ":memory:":
            raise ValueError("Store needs a file: ':memory:' would give every thread its own database")
        self.path = Path(path).expanduser().absolute()
        self.warning: str | None = None   # one line for the UI when the old file was unreadable
        self._local = threading.local()
        self._closed = False
        _make_parent(self.path)
        try:
            con = self._open_checked()
        except _Unreadable as err:
            aside = self._move_aside()
            self.warning = (f"the run store {self.path} could not be read ({err}); it was moved "
                            f"to {aside} and a new, empty store was started")
            try:
                con = self._open_checked()
            except _Unreadable as again:
                raise StoreError(f"cannot start a new run store at {self.path}: {again}") from None
        self._local.con = con

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, isolation_level=None)  # autocommit; we BEGIN ourselves
        try:
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")  # WAL: no fsync per commit; a crash of the
                                                        # machine (not the process) may lose the last ones
            con.execute("PRAGMA foreign_keys = ON")     # per connection; the cascades need it
        except BaseException:
            con.close()
            raise
        return con

    def _open_checked(self) -> sqlite3.Connection:
        """Connect, check the file's structure, bring the schema up to date."""
        try:
            con = self._connect()
        except sqlite3.OperationalError as err:   # locked, cannot open, read-only: not corruption
            raise StoreError(f"cannot open the run store at {self.path}: {err}") from None
        except sqlite3.DatabaseError as err:      # "file is not a database", "malformed"
            raise _Unreadable(str(err)) from None
        try:
            # quick_check: the structural half of integrity_check (pages, b-trees), in linear time
            problems = [r[0] for r in con.execute("PRAGMA quick_check(1)")]
            if problems != ["ok"]:
                raise _Unreadable(problems[0])
            self._migrate(con)
        except sqlite3.OperationalError as err:
            con.close()
            raise StoreError(f"cannot open the run store at {self.path}: {err}") from None
        except sqlite3.DatabaseError as err:
            con.close()
            raise _Unreadable(str(err)) from None
        except BaseException:
            con.close()
            raise
        return con

    def _migrate(self, con: sqlite3.Connection) -> None:
        if con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        con.execute("BEGIN IMMEDIATE")  # another process may be creating the schema right now
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"the run store at {self.path} has schema version {version}, "
                                 f"newer than this program's {SCHEMA_VERSION}")
            for statements in _MIGRATIONS[version:]:
                for sql in statements:
                    con.execute(sql)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _move_aside(self) -> Path:
        """Rename the unreadable file (and any journal beside it) to <path>.corrupt-<time>."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.replace(self.path, aside)
            # a stale WAL left next to a fresh file would be replayed into it
            for suffix in ("-wal", "-shm", "-journal"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{aside}{suffix}"))
        except OSError as err:
            raise StoreError(f"the run store {self.path} is unreadable and could not be moved "
                             f"aside: {err.strerror or err}") from None
        return aside

    def _con(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"the run store at {self.path} is closed")
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = self._connect()
            except sqlite3.Error as err:
                raise StoreError(f"cannot open the run store at {self.path}: {err}") from None
            self._local.con = con
        return con

    @contextmanager
    def _write(self):
        """One write transaction, holding the write lock from the start."""
        con = self._con()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def close(self) -> None:
        self._closed = True
        con = getattr(self._local, "con", None)
        if con is not None:
            self._local.con = None
            con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------------

    def create_run(self, run_id: str, config: dict, *, name: str = "", owner: str = "",
                   status: str = "queued", info: dict | None = None) -> None:
        _check_status(status)
        now = time.time()
        try:
            self._con().execute(
                "INSERT INTO runs (id, name, owner, status, config, info, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, name, owner, status, _dumps(config), _dumps(info or {}), now, now))
        except sqlite3.IntegrityError:
            raise ValueError(f"run {run_id!r} already exists") from None

    def _update_run(self, run_id: str, **columns) -> None:
        columns["updated_at"] = time.time()
        assignments = ", ".join(f"{column} = ?" for column in columns)  # names come from code only
        cur = self._con().execute(f"UPDATE runs SET {assignments} WHERE id = ?",
                                  (*columns.values(), run_id))
        if cur.rowcount == 0:
            raise KeyError(f"no run {run_id!r} in the store")

    def set_status(self, run_id: str, status: str, reason: str | None = None,
                   summary: dict | None = None) -> None:
        """A new status always replaces the reason; the summary only when one is given."""
        _check_status(status)
        columns = {"status": status, "reason": reason}
        if summary is not None:
            columns["summary"] = _dumps(summary)
        self._update_run(run_id, **columns)

    def set_info(self, run_id: str, info: dict) -> None:
        self._update_run(run_id, info=_dumps(info))

    def rename(self, run_id: str, name: str) -> None:
        self._update_run(run_id, name=name)

    def set_tags(self, run_id: str, tags: list[str]) -> None:
        if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
            raise TypeError(f"tags must be a list of strings, got {tags!r}")
        self._update_run(run_id, tags=_dumps(list(dict.fromkeys(tags))))  # de-duplicated, in order

    def delete(self, run_id: str) -> bool:
        """Delete a run with its metrics and evals; False when there was no such run."""
        return self._con().execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    def get_run(self, run_id: str) -> dict | None:
        row = self._con().execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else _run_from_row(row)

    def list_runs(self, *, paradigm: str | None = None, dataset: str | None = None,
                  loss: str | None = None, status: str | None = None, owner: str | None = None,
                  limit: int | None = 200) -> list[dict]:
        """Runs newest first; every filter given must match (config fields read from its JSON)."""
        where, params = [], []
        for key, value in (("paradigm", paradigm), ("dataset", dataset), ("loss", loss)):
            if value is not None:
                where.append(f"json_extract(config, '$.{key}') = ?")
                params.append(value)
        if status is not None:
            _check_status(status)
            where.append("status = ?")
            params.append(status)
        if owner is not None:
            where.append("owner = ?")
            params.append(owner)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"  # rowid: creation order on equal times
        rows = self._con().execute(sql, (*params, -1 if limit is None else limit))
        return [_run_from_row(row) for row in rows]

    # -- metrics and evals ------------------------------------------------------------------

    def append_metrics(self, run_id: str, rows: list[dict]) -> None:
        """Add metric rows in one transaction. A step already stored is replaced, so a batch
        sent twice is harmless. Keys beyond METRIC_FIELDS are kept in a JSON column."""
        if not rows:
            return
        params = [
            (run_id, int(r["step"]), _real(r.get("loss")), _real(r.get("grad_norm")),
             _real(r.get("lr")), _real(r.get("time")),
             _dumps(extra) if (extra := {k: v for k, v in r.items() if k not in METRIC_FIELDS}) else None)
            for r in rows
        ]
        with self._write() as con:
            try:
                con.executemany("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)", params)
            except sqlite3.IntegrityError:
                raise KeyError(f"no run {run_id!r} in the store") from None

    def metrics(self, run_id: str) -> list[dict]:
        rows = self._con().execute(
            "SELECT step, loss, grad_norm, lr, time, extra FROM metrics WHERE run_id = ? ORDER BY step",
            (run_id,))
        return [{**{k: r[k] for k in METRIC_FIELDS}, **(_loads(r["extra"]) or {})} for r in rows]

    def add_eval(self, run_id: str, eval: dict) -> None:
        """Store one eval payload under its `step`, replacing an earlier one at that step."""
        if "step" not in eval:
            raise ValueError(f"an eval payload needs a 'step'; got keys {sorted(eval)}")
        try:
            self._con().execute("INSERT OR REPLACE INTO evals VALUES (?, ?, ?)",
                                (run_id, int(eval["step"]), _dumps(eval)))
        except sqlite3.IntegrityError:
            raise KeyError(f"no run {run_id!r} in the store") from None

    def evals(self, run_id: str) -> list[dict]:
        rows = self._con().execute(
            "SELECT payload FROM evals WHERE run_id = ? ORDER BY step", (run_id,))
        return [json.loads(r["payload"]) for r in rows]

    # -- housekeeping -----------------------------------------------------------------------

    def mark_interrupted(self) -> int:
        """At start-up: runs left queued or running by a process that died are interrupted.

        Assumes one server per store file: a second live server's runs would be marked too.
        """
        placeholders = ", ".join("?" for _ in ACTIVE)
        cur = self._con().execute(
            f"UPDATE runs SET status = 'interrupted', reason = ?, updated_at = ?"
            f" WHERE status IN ({placeholders})",
            (INTERRUPTED_REASON, time.time(), *ACTIVE))
        return cur.rowcount

    def enforce_retention(self, max_runs: int) -> int:
        """Keep the newest `max_runs` finished runs, delete older finished ones (with their
        metrics and evals); queued and running runs are never touched. Returns the count deleted."""
        if max_runs < 0:
            raise ValueError(f"max_runs must be >= 0, got {max_runs}")
        placeholders = ", ".join("?" for _ in ACTIVE)
        cur = self._con().execute(
            f"DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE status NOT IN ({placeholders})"
            f" ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
            (*ACTIVE, max_runs))
        return cur.rowcount
