//! Where the viewer keeps runs it saved on its own: closing the window while a live run
//! has unsaved progress writes it here (nothing is asked), and `ginn view --recover` or the
//! Files panel opens it again.
//!
//! The folder is `$GINN_AUTOSAVE_DIR` when set, else `$XDG_STATE_HOME/ginn/autosave`, else
//! `~/.local/state/ginn/autosave`, else `ginn-autosave` in the temp folder.

use crate::run::Run;
use crate::run::fsutil::{Written, write_atomic, write_with_fallback};
use std::path::{Path, PathBuf};

const SUFFIX: &str = ".ginn.json.gz";

pub fn dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("GINN_AUTOSAVE_DIR") {
        return d;
    }
    if let Some(d) = env("XDG_STATE_HOME") {
        return d.join("ginn/autosave");
    }
    if let Some(home) = env("HOME") {
        return home.join(".local/state/ginn/autosave");
    }
    std::env::temp_dir().join("ginn-autosave")
}

/// Saves `run` (named after its session) in `dir` (normally [`dir()`]), atomically, falling
/// back to the current or temp folder: `autosave-<unix seconds>-<name>.ginn.json.gz`.
pub fn save(dir: &Path, name: &str, run: &Run) -> Result<Written, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut path = dir.join(format!(
        "autosave-{secs}-{}{SUFFIX}",
        safe.trim_matches('-')
    ));
    // Two runs of one window with the same name in the same second.
    for n in 2.. {
        if !path.exists() {
            break;
        }
        path = dir.join(format!("autosave-{secs}-{safe}-{n}{SUFFIX}"));
    }
    let bytes = run.encode(&path).map_err(|e| e.to_string())?;
    write_with_fallback(&path, &bytes, write_atomic)
}

/// Autosaved runs in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("autosave-") && n.ends_with(SUFFIX)
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    files.into_iter().map(|(_, p)| p).collect()
}

/// The newest autosaved run in `dir`, or an error naming the folder looked in.
pub fn newest(dir: &Path) -> Result<PathBuf, String> {
    list(dir).into_iter().next().ok_or_else(|| {
        format!(
            "no autosaved run in {} (the viewer writes one when its window is closed during unsaved training)",
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Shape;
    use crate::train::Settings;

    #[test]
    fn saved_runs_are_listed_newest_first_and_load() {
        let dir = std::env::temp_dir().join(format!("ginn-autosave-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(newest(&dir).unwrap_err().contains("no autosaved run"));
        let settings = Settings {
            resolution: 16,
            iterations: 20,
            ..Settings::default()
        };
        let run = Run::train(settings, Shape::Disc.draw(16), 10, |_| {}).unwrap();
        let a = save(&dir, "bottle seed 1, branch at 40", &run).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = save(&dir, "bottle seed 1, branch at 40", &run).unwrap();
        assert!(a.failed.is_none() && a.path != b.path);
        assert!(a.path.starts_with(&dir));
        let name = a.path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with("-bottle-seed-1--branch-at-40.ginn.json.gz"),
            "{name}"
        );
        assert_eq!(list(&dir), vec![b.path.clone(), a.path]);
        assert_eq!(Run::load(&newest(&dir).unwrap()).unwrap(), run);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
