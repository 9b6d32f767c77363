"""The register's file: one SQLite database, its schema and its migrations.

The schema version is SQLite's own ``PRAGMA user_version``; each migration
moves it up by one inside the same transaction as its DDL, so a crash leaves
either the old schema or the new one.  A file is inspected read-only before
anything writes to it: a register made by a newer version, a foreign SQLite
database or a file that is not SQLite at all is refused and left untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gnbv_templates.errors import GnbvError
from gnbv_templates.read.safety import os_error_text

APPLICATION = "gnbv-register"
BUSY_TIMEOUT_MS = 60_000
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Ordered; entry n brings a register from user_version n to n + 1.  Never edit a released entry: add one.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # one row per file received; the hash is the file's identity, the name only how it arrived
        """CREATE TABLE returns (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            unit TEXT NOT NULL,
            unit_name TEXT NOT NULL DEFAULT '',
            parent TEXT,
            period TEXT NOT NULL,
            version INTEGER NOT NULL,
            catalog_version TEXT NOT NULL,
            received_at TEXT NOT NULL,
            received_as TEXT NOT NULL DEFAULT '',
            verdict TEXT NOT NULL CHECK (verdict IN ('ok', 'errors')),
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            UNIQUE (unit, period, version)
        )""",
        "CREATE INDEX returns_parent ON returns (parent, period)",
        """CREATE TABLE findings (
            return_id INTEGER NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            form TEXT NOT NULL,
            sheet TEXT NOT NULL,
            cell TEXT NOT NULL,
            row TEXT NOT NULL,
            col TEXT NOT NULL,
            value,
            expected,
            rule TEXT NOT NULL,
            message_vi TEXT NOT NULL,
            message_en TEXT NOT NULL,
            PRIMARY KEY (return_id, seq)
        )""",
        """CREATE TABLE figures (
            return_id INTEGER NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
            form TEXT NOT NULL,
            row TEXT NOT NULL,
            col TEXT NOT NULL,
            derived INTEGER NOT NULL,
            value,
            PRIMARY KEY (return_id, form, row, col)
        )""",
        # versions are numbered per unit and period and never reused, even after a deletion
        """CREATE TABLE versions (
            unit TEXT NOT NULL, period TEXT NOT NULL, last INTEGER NOT NULL,
            PRIMARY KEY (unit, period)
        )""",
        """CREATE TABLE log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            sha256 TEXT NOT NULL DEFAULT '',
            unit TEXT NOT NULL DEFAULT '',
            period TEXT NOT NULL DEFAULT '',
            version INTEGER,
            detail TEXT NOT NULL DEFAULT ''
        )""",
    ),
    (
        # the structure of each form as issued: figures of two returns are compared only where it is the same
        """CREATE TABLE forms (
            return_id INTEGER NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
            form TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            PRIMARY KEY (return_id, form)
        )""",
    ),
    (
        # figures kept in their primary key's order, without a second copy as a rowid table: half the size
        """CREATE TABLE figures_by_cell (
            return_id INTEGER NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
            form TEXT NOT NULL,
            row TEXT NOT NULL,
            col TEXT NOT NULL,
            derived INTEGER NOT NULL,
            value,
            PRIMARY KEY (return_id, form, row, col)
        ) WITHOUT ROWID""",
        "INSERT INTO figures_by_cell SELECT return_id, form, row, col, derived, value FROM figures",
        "DROP TABLE figures",
        "ALTER TABLE figures_by_cell RENAME TO figures",
    ),
    (
        # the row's label, so a receipt can name what a finding of an earlier version was about
        "ALTER TABLE findings ADD COLUMN row_label TEXT NOT NULL DEFAULT ''",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)


class RegisterRefused(GnbvError):
    """A register file this version will not open (newer, foreign, not SQLite); it is left as it was."""

    exit_code = 7


def _refuse(path: Path, vi: str, en: str) -> RegisterRefused:
    return RegisterRefused(f"Sổ đăng ký {path.name}: {vi}", english=f"Register {path.name}: {en}")


def inspect(path: Path) -> int:
    """The schema version of an existing register (0: empty, to be created); refuses what is not ours."""
    if not path.exists():
        return 0
    if path.is_dir():
        raise _refuse(path, "là thư mục, không phải tệp sổ đăng ký.", "is a directory.")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise _refuse(path, f"không đọc được ({os_error_text(exc)}).",
                      f"cannot be read ({os_error_text(exc, 'en')}).") from None
    if not head:
        return 0
    if head != _SQLITE_MAGIC:
        raise _refuse(path, "không phải tệp sổ đăng ký (không phải cơ sở dữ liệu SQLite); tệp được giữ nguyên.",
                      "is not a register (not an SQLite database); left unchanged.")
    # Without a write-ahead log beside it nobody is writing: read it as immutable, which creates no side
    # files; with one, a read-only connection shares the log that is already there.
    immutable = "" if path.with_name(path.name + "-wal").exists() else "&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            application = None
            if "meta" in tables:
                found = conn.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
                application = found[0] if found else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"tệp SQLite hỏng hoặc không đọc được ({exc}); tệp được giữ nguyên.",
                      f"a damaged or unreadable SQLite file ({exc}); left unchanged.") from None
    if version == 0 and not tables:
        return 0
    if application != APPLICATION:
        raise _refuse(path, "là cơ sở dữ liệu SQLite của chương trình khác, không phải sổ đăng ký biểu mẫu; "
                      "tệp được giữ nguyên.",
                      "is another program's SQLite database, not a register; left unchanged.")
    if version > SCHEMA_VERSION:
        raise _refuse(path, f"được tạo bởi phiên bản mới hơn của chương trình (cấu trúc {version}, phiên bản này "
                      f"chỉ biết đến {SCHEMA_VERSION}); hãy cập nhật chương trình. Tệp được giữ nguyên.",
                      f"was made by a newer version (schema {version}, this one knows up to {SCHEMA_VERSION}); "
                      "update the program. Left unchanged.")
    return int(version)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating if needed) a register; transactions are explicit."""
    inspect(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse(path, f"không tạo được thư mục {path.parent} ({os_error_text(exc)}).",
                      f"cannot create the folder {path.parent} ({os_error_text(exc, 'en')}).") from None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _refuse(path, f"không mở được ({exc}).", f"cannot be opened ({exc}).") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise _refuse(path, f"không dùng được ({exc}).", f"cannot be used ({exc}).") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    with write(conn):
        # read again under the write lock: another process may have migrated meanwhile
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise _refuse(path, f"được tạo bởi phiên bản mới hơn (cấu trúc {version}).",
                          f"was made by a newer version (schema {version}).")
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step + 1}")
        if version == 0:
            conn.execute("INSERT INTO meta (key, value) VALUES ('application', ?)", (APPLICATION,))


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: the write lock is taken at the start, so a read-then-write cannot race."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:  # still locked after the busy timeout, or the disk refuses
        raise RegisterRefused(f"Sổ đăng ký đang bận hoặc không ghi được ({exc}); hãy thử lại sau.",
                              english=f"The register is busy or cannot be written ({exc}); try again later.") from None
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise RegisterRefused(f"Không ghi được vào sổ đăng ký ({exc}); sổ giữ nguyên như trước lần ghi này.",
                                  english=f"Cannot write to the register ({exc}); it is as it was before.") from None
        raise
