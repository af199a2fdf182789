//! Writing files so that a crash, a full disk or a bad path never costs work: outputs are
//! checked before the work starts, written atomically, and saved elsewhere when the
//! intended place fails at the end.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it
/// over `path`: readers see the old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, |from, to| std::fs::rename(from, to))
}

/// [`write_atomic`] with the final rename supplied, so tests can make it fail.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    rename: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = parent_of(path).join(format!(".{}.tmp-{}", file_name(path), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where a file ended up.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub path: PathBuf,
    /// Set when the intended path failed (with why) and `path` is a fallback.
    pub failed: Option<String>,
}

impl Written {
    /// "wrote X", or "could not write Y (why); saved to X instead".
    pub fn describe(&self, intended: &Path) -> String {
        match &self.failed {
            None => format!("wrote {}", self.path.display()),
            Some(why) => format!(
                "could not write {} ({why}); saved to {} instead",
                intended.display(),
                self.path.display()
            ),
        }
    }
}

/// Writes with `write` to `path`; when that fails, to `recovered-PID-NAME` in the current
/// folder, then in the temp folder. Fails only when all three fail.
pub fn write_with_fallback(
    path: &Path,
    bytes: &[u8],
    write: impl Fn(&Path, &[u8]) -> std::io::Result<()>,
) -> Result<Written, String> {
    place_with_fallback(path, |at| write(at, bytes))
        .map_err(|tried| format!("cannot write anywhere ({})", tried.join("; ")))
}

/// Moves a finished temporary file onto `path`; when that fails, to a fallback place (see
/// [`write_with_fallback`]). For outputs streamed to a temporary file, such as movies.
pub fn move_with_fallback(tmp: &Path, path: &Path) -> Result<Written, String> {
    place_with_fallback(path, |at| {
        // A rename cannot cross file systems; a copy can.
        std::fs::rename(tmp, at).or_else(|_| {
            std::fs::copy(tmp, at)?;
            std::fs::remove_file(tmp)
        })
    })
    .map_err(|tried| {
        format!(
            "cannot move the finished file into place ({}); it is kept as {}",
            tried[0],
            tmp.display()
        )
    })
}

/// Puts a file at `path` with `put`, else at each fallback place in turn; on failure, what
/// went wrong at each place (the intended one first).
fn place_with_fallback(
    path: &Path,
    mut put: impl FnMut(&Path) -> std::io::Result<()>,
) -> Result<Written, Vec<String>> {
    let first = match put(path) {
        Ok(()) => {
            return Ok(Written {
                path: path.to_path_buf(),
                failed: None,
            });
        }
        Err(e) => e.to_string(),
    };
    let mut tried = vec![format!("{}: {first}", path.display())];
    for candidate in fallback_paths(path) {
        match put(&candidate) {
            Ok(()) => {
                return Ok(Written {
                    path: candidate,
                    failed: Some(first),
                });
            }
            Err(e) => tried.push(format!("{}: {e}", candidate.display())),
        }
    }
    Err(tried)
}

/// Fallback places for `path`: the current folder, then the temp folder.
pub fn fallback_paths(path: &Path) -> Vec<PathBuf> {
    let name = format!("recovered-{}-{}", std::process::id(), file_name(path));
    let mut out = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        out.push(cwd.join(&name));
    }
    out.push(std::env::temp_dir().join(&name));
    out
}

/// An output that cannot be written, found before the work.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub problem: String,
}

/// Checks, before any work, that a file can be written at `path`: creates missing parent
/// folders, refuses a folder, tries creating a file beside it, and (where the system says)
/// checks that about `expected_bytes` fit on the disk. The error names the path.
pub fn prepare_output(path: &Path, expected_bytes: u64) -> Result<(), OutputError> {
    let say = |problem: String| OutputError {
        path: path.to_path_buf(),
        problem,
    };
    if path.is_dir() {
        return Err(say("is a folder; give a file name".into()));
    }
    let dir = parent_of(path);
    std::fs::create_dir_all(&dir)
        .map_err(|e| say(format!("cannot create the folder {} ({e})", dir.display())))?;
    let probe = dir.join(format!(".{}.probe-{}", file_name(path), std::process::id()));
    std::fs::File::create(&probe).map_err(|e| say(format!("cannot write there ({e})")))?;
    let _ = std::fs::remove_file(&probe);
    if let Some(free) = free_bytes(&dir) {
        check_space(free, expected_bytes).map_err(say)?;
    }
    Ok(())
}

/// Checks that a folder can hold files (for outputs that are folders of frames).
pub fn prepare_output_dir(dir: &Path) -> Result<(), OutputError> {
    let say = |problem: String| OutputError {
        path: dir.to_path_buf(),
        problem,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(say("is a file, not a folder".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| say(format!("cannot create the folder ({e})")))?;
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| say(format!("cannot write there ({e})")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

fn check_space(free: u64, expected: u64) -> Result<(), String> {
    // Twice the size: the new file is written beside the old one before the rename.
    if free < expected.saturating_mul(2) {
        return Err(format!(
            "the disk is full or nearly so: {} free, the file needs about {}",
            megabytes(free),
            megabytes(expected)
        ));
    }
    Ok(())
}

fn megabytes(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

/// Free bytes for an unprivileged writer on the file system holding `dir`, when known.
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
pub fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ginn-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = dir("atomic");
        let p = dir.join("f.txt");
        write_atomic(&p, b"first version, longer").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        assert!(write_atomic(&dir.join("missing/dir/f"), b"x").is_err());
    }

    #[test]
    fn a_failing_rename_keeps_the_old_file_and_saves_the_new_one_elsewhere() {
        let dir = dir("fallback");
        let p = dir.join("run.ginn.json");
        write_atomic(&p, b"old run").unwrap();
        let failing_at_rename = |path: &Path, bytes: &[u8]| {
            write_atomic_with(path, bytes, |from, to| {
                if to == p {
                    Err(std::io::Error::other("injected rename failure"))
                } else {
                    std::fs::rename(from, to)
                }
            })
        };
        let w = write_with_fallback(&p, b"new run", failing_at_rename).unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"old run",
            "the old file is intact"
        );
        assert_eq!(std::fs::read(&w.path).unwrap(), b"new run");
        assert_ne!(w.path, p);
        assert!(w.failed.as_ref().unwrap().contains("injected"));
        assert!(w.describe(&p).contains("saved to"), "{}", w.describe(&p));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temp left");
        std::fs::remove_file(&w.path).unwrap();
    }

    #[test]
    fn outputs_are_checked_before_the_work() {
        let dir = dir("prepare");
        let deep = dir.join("a/b/run.ginn.json");
        prepare_output(&deep, 1000).unwrap();
        assert!(dir.join("a/b").is_dir(), "missing folders are created");
        assert_eq!(std::fs::read_dir(dir.join("a/b")).unwrap().count(), 0);
        let e = prepare_output(&dir, 10).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        std::fs::write(dir.join("file"), b"x").unwrap();
        let e = prepare_output(&dir.join("file/run.ginn.json"), 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot create the folder"), "{e}");
        assert!(check_space(1_000, 400).is_ok());
        let e = check_space(1_000_000, 900_000).unwrap_err();
        assert!(e.contains("disk is full"), "{e}");
        assert!(free_bytes(&dir).is_some_and(|b| b > 0) || cfg!(not(unix)));
        prepare_output_dir(&dir.join("frames/x")).unwrap();
        assert!(prepare_output_dir(&dir.join("file")).is_err());
    }
}
