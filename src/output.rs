//! Writing the plan: atomically (temp file in the same directory, fsync,
//! rename), so a reader never sees half a plan and a failed call writes nothing.

use std::io::Write;
use std::path::Path;

use crate::error::{ResolverError, Result};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".plan-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| ResolverError::io(path, &e))?;
    tmp.write_all(bytes)
        .map_err(|e| ResolverError::io(path, &e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| ResolverError::io(path, &e))?;
    tmp.persist(path)
        .map_err(|e| ResolverError::io(path, &e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
