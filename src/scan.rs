//! Scanning `input_dir`: every `*.whl` (not recursive), in file-name byte
//! order, parsed in parallel across the available cores on the process-wide
//! [`pool`], looking at the call's [`Stop`] before each wheel.

use std::cell::RefCell;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use pep508_rs::MarkerTree;
use rustc_hash::FxHashMap as HashMap;

use crate::error::{ErrorDetail, ResolverError, Result};
use crate::pool;
use crate::requirement::Req;
use crate::stop::Stop;
use crate::wheel::tail::TailReader;
use crate::wheel::{read_wheel_file, RequirementParser, RequiresDist, WheelFilename};

/// One scanned input wheel.
#[derive(Debug, Clone)]
pub struct ScannedWheel {
    /// Parsed name.
    pub filename: WheelFilename,
    /// Requires-Dist that `keep` selected, in file order (empty when METADATA is missing).
    pub requires_dist: Vec<RequiresDist>,
    /// METADATA's Requires-Python, as written.
    pub requires_python: Option<String>,
}

impl ScannedWheel {
    /// The file name (as its parsed name keeps it).
    pub fn file_name(&self) -> &str {
        self.filename.as_str()
    }
}

/// The scan's result: wheels in scan order, and warnings.
#[derive(Debug, Default)]
pub struct Scan {
    /// Wheels, file names sorted by bytes.
    pub wheels: Vec<ScannedWheel>,
    /// Non-fatal observations.
    pub warnings: Vec<String>,
    /// `input_dir` made absolute (as given, not resolved): the wheels'
    /// directory ([`Scan::path`]).
    pub dir: PathBuf,
}

impl Scan {
    /// The path of `wheel`, one of [`Scan::wheels`]: its file name in
    /// [`Scan::dir`].
    pub fn path(&self, wheel: &ScannedWheel) -> PathBuf {
        self.dir.join(wheel.file_name())
    }
}

/// Scans `input_dir`. `allow_empty`: no wheels is not an error (a
/// requirements file is the input). `keep` selects the Requires-Dist worth
/// keeping by their marker alone (a plan passes
/// [`Target::keeps`](crate::target::Target::keeps)): it runs on the scanning threads, once per distinct
/// marker (and [`Req::patch_variable`](crate::requirement::Req)) on each,
/// and what it drops is never stored.
#[cfg(any(test, feature = "internals"))]
pub fn scan_dir(
    input_dir: &Path,
    allow_empty: bool,
    keep: &(dyn Fn(&Req) -> bool + Sync),
) -> Result<Scan> {
    scan_dir_until(input_dir, allow_empty, keep, &Stop::never())
}

/// [`scan_dir`] that gives up with `cancelled` or `timeout` as soon as
/// `stop` says so (checked before each wheel).
pub fn scan_dir_until(
    input_dir: &Path,
    allow_empty: bool,
    keep: &(dyn Fn(&Req) -> bool + Sync),
    stop: &Stop,
) -> Result<Scan> {
    check_input_dir(input_dir)?;
    let mut warnings = Vec::new();
    let names = list_wheels(input_dir, &mut warnings)?;
    if names.is_empty() && !allow_empty {
        return Err(ResolverError::NoInput(format!(
            "{} contains no *.whl files",
            input_dir.display()
        )));
    }

    // Symlinks may point anywhere inside input_dir, never outside it.
    let root = std::fs::canonicalize(input_dir).map_err(|e| ResolverError::io(input_dir, &e))?;
    // Paths in the plan are absolute (as given, not resolved), whatever the
    // caller's working directory was.
    let dir = std::path::absolute(input_dir).map_err(|e| ResolverError::io(input_dir, &e))?;
    // Wheels the directory entry calls regular files are opened relative to
    // the directory, by name: the kernel does not walk `dir`'s path again
    // for each of them.
    let handle = File::open(&dir).map_err(|e| ResolverError::io(&dir, &e))?;
    let at = Dir {
        path: &dir,
        handle: &handle,
    };
    // Small inputs run on the calling thread alone (16 wheels per participant).
    let width = pool::cpu_width().min(names.len() / 16 + 1);
    let results = pool::try_map_with(names.len(), width, ScanState::default, |state, i| {
        stop.check("the input scan")?;
        let (name, regular) = &names[i];
        Ok::<_, ResolverError>(scan_one(&at, &root, name, *regular, keep, state))
    })?;
    let wheels = valid_wheels(results, &mut warnings)?;
    Ok(Scan {
        wheels,
        warnings,
        dir,
    })
}

/// Refuses an `input_dir` that does not exist or is not a directory.
fn check_input_dir(input_dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(input_dir).map_err(|e| ResolverError::InputNotFound {
        path: input_dir.display().to_string(),
        message: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(ResolverError::InputNotFound {
            path: input_dir.display().to_string(),
            message: "not a directory".into(),
        });
    }
    Ok(())
}

/// The `*.whl` entries of `input_dir`, sorted by their names' bytes, each
/// with whether its directory entry says "regular file" (then no
/// lstat/stat is needed: see `open_wheel`). Directories named like a wheel
/// are skipped with a warning.
fn list_wheels(input_dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<(OsString, bool)>> {
    let mut names: Vec<(OsString, bool)> = Vec::new();
    let entries = std::fs::read_dir(input_dir).map_err(|e| ResolverError::io(input_dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ResolverError::io(input_dir, &e))?;
        let name = entry.file_name();
        if !name.as_encoded_bytes().ends_with(b".whl") {
            continue;
        }
        // `file_type` does not follow symlinks: a link is checked in `scan_one`.
        let file_type = entry
            .file_type()
            .map_err(|e| ResolverError::io(&entry.path(), &e))?;
        if file_type.is_dir() {
            warnings.push(format!(
                "{}: a directory named like a wheel was skipped",
                name.to_string_lossy()
            ));
            continue;
        }
        names.push((name, file_type.is_file()));
    }
    names.sort_unstable_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
    Ok(names)
}

/// What [`scan_one`] gave for each wheel, in scan order.
type Scanned = std::result::Result<(ScannedWheel, Option<String>), ErrorDetail>;

/// The scanned wheels, their warnings added to `warnings`; or, when any
/// wheel is not valid, the error that lists every one that is not.
fn valid_wheels(results: Vec<Scanned>, warnings: &mut Vec<String>) -> Result<Vec<ScannedWheel>> {
    let mut bad = Vec::new();
    let wheels: Vec<ScannedWheel> = results
        .into_iter()
        .filter_map(|r| match r {
            Ok((wheel, warning)) => {
                warnings.extend(warning);
                Some(wheel)
            }
            Err(detail) => {
                bad.push(detail);
                None
            }
        })
        .collect();
    if bad.is_empty() {
        return Ok(wheels);
    }
    let list: Vec<String> = bad
        .iter()
        .map(|d| format!("{} ({})", d.file.as_deref().unwrap_or("?"), d.reason))
        .collect();
    let n = bad.len();
    Err(ResolverError::InvalidWheel {
        message: format!(
            "{n} input file{} {} not valid wheel{}: {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" },
            if n == 1 { "" } else { "s" },
            list.join("; ")
        ),
        details: bad,
    })
}

/// What one scanning thread reuses from wheel to wheel: the marker cache,
/// the tail reader's buffers and inflater, and `keep`'s answer per marker.
#[derive(Default)]
struct ScanState {
    parser: RequirementParser,
    reader: TailReader,
    kept_markers: RefCell<HashMap<(MarkerTree, bool), bool>>,
}

/// The input directory: its path (for the plan's paths and for links) and
/// an open handle (to open regular files by name).
struct Dir<'d> {
    path: &'d Path,
    handle: &'d File,
}

/// Reads the wheel `name` of `dir`: its file name parsed, its METADATA read
/// (the Requires-Dist that `keep` selects), and the warning it gives, if any.
fn scan_one(
    dir: &Dir<'_>,
    root: &Path,
    name: &OsString,
    regular: bool,
    keep: &(dyn Fn(&Req) -> bool + Sync),
    state: &mut ScanState,
) -> std::result::Result<(ScannedWheel, Option<String>), ErrorDetail> {
    let file_name = name.to_str().ok_or_else(|| {
        ErrorDetail::file(name.to_string_lossy(), "the file name is not valid UTF-8")
    })?;
    let filename: WheelFilename = file_name
        .parse()
        .map_err(|e: crate::wheel::WheelFilenameError| ErrorDetail::file(file_name, e.reason))?;
    let (file, len) = open_wheel(dir, name, root, regular)
        .map_err(|reason| ErrorDetail::file(file_name, reason))?;
    let meta = read_wheel_file(
        &file,
        len,
        &filename.name,
        &mut state.parser,
        &mut state.reader,
        &|r: &Req| {
            let key = (r.marker.clone(), r.patch_variable);
            if let Some(&known) = state.kept_markers.borrow().get(&key) {
                return known;
            }
            let answer = keep(r);
            state.kept_markers.borrow_mut().insert(key, answer);
            answer
        },
    )
    .map_err(|e| ErrorDetail::file(file_name, e.to_string()))?;
    let mismatch = meta
        .as_ref()
        .and_then(|m| m.check_release(&filename.name, &filename.version).err());
    let (requires_dist, requires_python, warning) = match meta {
        // Metadata of another release is not trusted (issue 11): as if unreadable.
        Some(_) if mismatch.is_some() => (
            Vec::new(),
            None,
            Some(format!(
                "{file_name}: its METADATA is that of {}, not of this release; not trusted, planned with no requirements",
                mismatch.unwrap_or_default()
            )),
        ),
        Some(m) => (m.requires_dist, m.requires_python, None),
        None => (
            Vec::new(),
            None,
            Some(format!(
                "{file_name}: no *.dist-info/METADATA; planned with no requirements"
            )),
        ),
    };
    Ok((
        ScannedWheel {
            filename,
            requires_dist,
            requires_python,
        },
        warning,
    ))
}

/// Opens the entry `name` of `dir` and returns it with its length, if it
/// is a regular file or a symlink to a regular file inside `root`. Never
/// reads FIFOs, devices or sockets (which could block or never end).
/// `regular`: the directory entry says it is a regular file, so
/// it is opened at once by name in `dir`, non-blocking (a FIFO swapped in
/// meanwhile cannot block the open) and not through a symlink (one swapped
/// in meanwhile is refused, not followed), and `fstat` confirms it; links
/// and entries of unknown type are checked by path first.
fn open_wheel(
    dir: &Dir<'_>,
    name: &OsString,
    root: &Path,
    regular: bool,
) -> std::result::Result<(File, u64), String> {
    let file = if regular {
        open_in(dir.handle, name).map_err(|e| format!("cannot open: {e}"))?
    } else {
        open_regular_file(&dir.path.join(name), root)?
    };
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    Ok((file, meta.len()))
}

/// `openat(dir, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)`.
fn open_in(dir: &File, name: &OsString) -> std::io::Result<File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::ffi::OsStrExt;
    // A directory entry's name has no NUL (nor `/`) and fits NAME_MAX
    // (255 bytes): it is made NUL-terminated on the stack.
    let bytes = name.as_bytes();
    let mut buffer = [0u8; 256];
    let invalid = |what| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
    if bytes.len() >= buffer.len() {
        return Err(invalid("the file name is longer than NAME_MAX"));
    }
    buffer[..bytes.len()].copy_from_slice(bytes);
    let name = std::ffi::CStr::from_bytes_with_nul(&buffer[..=bytes.len()])
        .map_err(|_| invalid("the file name has a NUL byte"))?;
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `dir` is an open descriptor for the call's duration and
    // `name` a NUL-terminated string; the result is checked below.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor just opened and owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Opens `path` for reading if it is a regular file, or a symlink to a
/// regular file inside `root`. Never opens FIFOs, devices or sockets (which
/// could block or never end).
fn open_regular_file(path: &Path, root: &Path) -> std::result::Result<File, String> {
    let link = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if link.file_type().is_symlink() {
        let target =
            std::fs::canonicalize(path).map_err(|e| format!("symlink cannot be resolved: {e}"))?;
        if !target.starts_with(root) {
            return Err(format!(
                "symlink points outside input_dir (to {}); it is not followed",
                target.display()
            ));
        }
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    File::open(path).map_err(|e| format!("cannot open: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_entry_is_opened_by_name_and_never_through_a_symlink() {
        // `regular` entries are opened with `open_in`: a symlink swapped in
        // after the directory was listed is refused, not followed (it could
        // point outside input_dir).
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a-1.0-py3-none-any.whl"), b"wheel").unwrap();
        std::fs::write(outside.path().join("secret"), b"secret").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret"),
            tmp.path().join("b-1.0-py3-none-any.whl"),
        )
        .unwrap();
        let dir = File::open(tmp.path()).unwrap();
        let name = |n: &str| OsString::from(n);
        let opened = open_in(&dir, &name("a-1.0-py3-none-any.whl")).unwrap();
        assert_eq!(opened.metadata().unwrap().len(), 5);
        let err = open_in(&dir, &name("b-1.0-py3-none-any.whl")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{err}");
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let input = Dir {
            path: tmp.path(),
            handle: &dir,
        };
        let refused = open_wheel(&input, &name("b-1.0-py3-none-any.whl"), &root, true);
        assert!(refused.is_err());
        // The name is made NUL-terminated on the stack: up to NAME_MAX bytes.
        let longest = open_in(&dir, &name(&"x".repeat(255))).unwrap_err();
        assert_eq!(longest.raw_os_error(), Some(libc::ENOENT), "{longest}");
        let too_long = open_in(&dir, &name(&"x".repeat(256))).unwrap_err();
        assert_eq!(too_long.kind(), std::io::ErrorKind::InvalidInput);
        let nul = open_in(&dir, &name("a\0b")).unwrap_err();
        assert_eq!(nul.kind(), std::io::ErrorKind::InvalidInput);
    }
}
