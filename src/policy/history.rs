//! The legacy SQLite build history (`history_db`, contract §4.6), read-only.
//!
//! The database is opened with `SQLITE_OPEN_READ_ONLY` through a
//! `file:…?mode=ro` URI: nothing is ever created or written (no journal, no
//! schema change), and the only lock taken is SQLite's shared read lock for
//! the one `SELECT` that copies the relevant rows into memory; the
//! connection is closed before planning goes on. A writer holding the write
//! lock makes the read wait (at most [`BUSY_TIMEOUT`]), never fail at once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::event::{normalize_name, Event, Source};
use super::timestamp;

/// How long a read waits for a writer that holds the database lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Columns the table must have; `detail` and `metadata_json` are read when present.
const REQUIRED_COLUMNS: [&str; 4] = ["name", "version", "status", "timestamp"];

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file does not exist.
    #[error("history_db {path}: no such file: {source}")]
    NotFound {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but is not a readable legacy history.
    #[error("history_db {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

impl From<HistoryError> for crate::error::ResolverError {
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::NotFound { path, source } => Self::InputNotFound {
                path: path.display().to_string(),
                message: format!("history_db: {source}"),
            },
            HistoryError::Unreadable { path, message } => Self::Io {
                path: path.display().to_string(),
                message: format!("history_db: {message}"),
            },
        }
    }
}

/// What was read: the events of the wanted projects, and how many of them
/// had no readable timestamp.
#[derive(Debug, Default)]
pub struct HistoryEvents {
    /// Events, in row order.
    pub events: Vec<Event>,
    /// Row ids (and the text) of wanted events whose timestamp was unreadable.
    pub unreadable_timestamps: Vec<(i64, String)>,
}

/// Reads the `build_events` of the projects in `wanted` (PEP 503 normalised
/// names). Rows whose name or version is not a valid project name or
/// PEP 440 version (the legacy planner records `missing` requirements with
/// version `unknown`) are ignored.
pub fn read(path: &Path, wanted: &HashSet<String>) -> Result<HistoryEvents, HistoryError> {
    let unreadable = |message: String| unreadable(path, message);
    check_file(path)?;
    let conn = open_read_only(path)?;
    let sql = select_events(&conn, path)?;
    let mut out = HistoryEvents::default();
    let mut stmt = conn
        .prepare(&sql)
        .map_err(|e| unreadable(sqlite_message(&e)))?;
    let mut rows = stmt.query([]).map_err(|e| unreadable(sqlite_message(&e)))?;
    while let Some(row) = rows.next().map_err(|e| unreadable(sqlite_message(&e)))? {
        add_row(row, wanted, &mut out);
    }
    Ok(out)
}

fn unreadable(path: &Path, message: String) -> HistoryError {
    HistoryError::Unreadable {
        path: path.to_owned(),
        message,
    }
}

/// `path` is an existing regular file.
fn check_file(path: &Path) -> Result<(), HistoryError> {
    match std::fs::metadata(path) {
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(HistoryError::NotFound {
                path: path.to_owned(),
                source,
            })
        }
        Err(e) => Err(unreadable(path, e.to_string())),
        Ok(m) if !m.is_file() => Err(unreadable(path, "not a regular file".into())),
        Ok(_) => Ok(()),
    }
}

/// The database, opened read-only (module doc).
fn open_read_only(path: &Path) -> Result<Connection, HistoryError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(read_only_uri(path), flags)
        .map_err(|e| unreadable(path, format!("cannot open as SQLite: {e}")))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| unreadable(path, e.to_string()))?;
    Ok(conn)
}

/// The `SELECT` of every event's columns, in the order [`add_row`] reads
/// them (NULL for an optional column the table lacks); an error when the
/// table or a required column is missing.
fn select_events(conn: &Connection, path: &Path) -> Result<String, HistoryError> {
    let columns = table_columns(conn).map_err(|e| unreadable(path, sqlite_message(&e)))?;
    if columns.is_empty() {
        return Err(unreadable(
            path,
            "not a legacy build history: there is no `build_events` table".into(),
        ));
    }
    let absent: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| !columns.iter().any(|have| have.eq_ignore_ascii_case(c)))
        .collect();
    if !absent.is_empty() {
        return Err(unreadable(
            path,
            format!(
                "table `build_events` lacks the column(s) {}",
                absent.join(", ")
            ),
        ));
    }
    let optional = |c: &str| {
        if columns.iter().any(|have| have.eq_ignore_ascii_case(c)) {
            format!("\"{c}\"")
        } else {
            "NULL".to_owned()
        }
    };
    Ok(format!(
        "SELECT rowid, name, version, status, timestamp, {}, {} FROM build_events",
        optional("detail"),
        optional("metadata_json")
    ))
}

/// Adds the row's event to `out` when its project is wanted and its name,
/// version and status are readable (noting an unreadable timestamp).
fn add_row(row: &rusqlite::Row<'_>, wanted: &HashSet<String>, out: &mut HistoryEvents) {
    let get = |i: usize| row.get_ref(i).unwrap_or(ValueRef::Null);
    let Some(name) = text(get(1)) else { return };
    if !wanted.contains(&normalize_name(&name)) {
        return;
    }
    let (Ok(name), Some(Ok(version))) = (
        name.parse::<pep508_rs::PackageName>(),
        text(get(2)).map(|v| v.trim().parse::<pep440_rs::Version>()),
    ) else {
        return;
    };
    let Some(status) = text(get(3)) else { return };
    let rowid = match get(0) {
        ValueRef::Integer(i) => i,
        _ => 0,
    };
    let recorded = json_of(get(4));
    let at = recorded.as_ref().and_then(timestamp::parse_json);
    if at.is_none() {
        let shown = recorded
            .as_ref()
            .map_or_else(|| "NULL".to_owned(), ToString::to_string);
        out.unreadable_timestamps.push((rowid, shown));
    }
    let hint = text(get(6))
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|m| m.get("hint").cloned())
        .filter(|h| !h.is_null());
    out.events.push(Event {
        name,
        version,
        status: status.trim().to_owned(),
        timestamp: recorded,
        at,
        detail: text(get(5)),
        hint,
        source: Source::History { rowid },
    });
}

/// `file:<percent-encoded path>?mode=ro`.
fn read_only_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro");
    uri
}

fn table_columns(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('build_events')")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names)
}

fn sqlite_message(e: &rusqlite::Error) -> String {
    format!("not a readable SQLite database: {e}")
}

/// A TEXT (or numeric) cell as text; NULL and BLOB as `None`.
fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// A cell as recorded, as JSON: text stays a string, numbers stay numbers.
fn json_of(v: ValueRef<'_>) -> Option<serde_json::Value> {
    match v {
        ValueRef::Text(t) => Some(serde_json::Value::String(
            String::from_utf8_lossy(t).into_owned(),
        )),
        ValueRef::Integer(i) => Some(i.into()),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map(serde_json::Value::Number),
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes_specials() {
        assert_eq!(
            read_only_uri(Path::new("/tmp/a b?#%.db")),
            "file:/tmp/a%20b%3F%23%25.db?mode=ro"
        );
    }
}
