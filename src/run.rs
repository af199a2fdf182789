//! A run: its settings, its target and its snapshots, and the file that carries it from
//! `ginn train` to the viewer, the renderer and the analysis.
//!
//! The file is JSON (optionally gzip-compressed when the name ends in `.gz`), readable with
//! Python's standard `json` module; the README documents the schema.

use crate::fsutil::write_atomic;
use crate::nn::Architecture;
use crate::snapshot::Snapshot;
use crate::target::Target;
use crate::train::{Diverged, Settings, SettingsError, Trainer};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "ginn-run";
pub const VERSION: u32 = 1;
const LAYOUT: &str = "params: for each layer (hidden layers, then the output layer) the weight [out][in] row-major, then the bias [out]; as PyTorch nn.Linear";

/// A whole run in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub settings: Settings,
    pub target: Target,
    pub snapshots: Vec<Snapshot>,
    /// Set when training diverged; the snapshots before it are kept.
    pub stopped: Option<Diverged>,
    /// Wall-clock seconds spent training.
    pub seconds: f64,
}

/// How a run file failed to load: always names the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct RunFileError {
    pub path: PathBuf,
    pub problem: String,
}

#[derive(Serialize, Deserialize)]
struct RunFile {
    format: String,
    version: u32,
    layout: String,
    settings: Settings,
    target: TargetFile,
    snapshots: Vec<Snapshot>,
    #[serde(default)]
    stopped: Option<Diverged>,
    #[serde(default)]
    seconds: f64,
}

#[derive(Serialize, Deserialize)]
struct TargetFile {
    width: u32,
    height: u32,
    /// One string per row, top first, `1` = white.
    rows: Vec<String>,
}

/// Progress of a run being trained, reported now and then.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub iteration: u64,
    pub total: u64,
    pub batch_loss: f32,
}

impl Run {
    pub fn architecture(&self) -> Architecture {
        Architecture::new(&self.settings.widths).expect("validated when the run was made or loaded")
    }

    pub fn last(&self) -> &Snapshot {
        self.snapshots
            .last()
            .expect("a run has at least its initial snapshot")
    }

    /// The snapshot at `iteration`, or the last one at or before it.
    pub fn at(&self, iteration: u64) -> &Snapshot {
        let i = self.snapshots.partition_point(|s| s.iteration <= iteration);
        &self.snapshots[i.saturating_sub(1)]
    }

    /// Trains a whole run, calling `progress` every `every` iterations.
    pub fn train(
        settings: Settings,
        target: Target,
        every: u64,
        mut progress: impl FnMut(Progress),
    ) -> Result<Self, SettingsError> {
        let start = std::time::Instant::now();
        let mut trainer = Trainer::new(settings.clone(), &target)?;
        let plan = settings.snapshots.iterations(settings.iterations);
        let mut snapshots = vec![trainer.snapshot()];
        let mut stopped = None;
        let mut next = 1;
        while !trainer.finished() {
            let last_loss = match trainer.step() {
                Ok(out) => out.loss,
                Err(d) => {
                    stopped = Some(d);
                    break;
                }
            };
            let it = trainer.iteration;
            if plan.get(next) == Some(&it) {
                snapshots.push(trainer.snapshot());
                next += 1;
            }
            if it % every.max(1) == 0 || trainer.finished() {
                progress(Progress {
                    iteration: it,
                    total: settings.iterations,
                    batch_loss: last_loss,
                });
            }
        }
        // Only the last snapshot keeps the optimiser state: it is what resuming needs, and
        // keeping it everywhere would triple the file.
        let last = snapshots.len() - 1;
        for s in &mut snapshots[..last] {
            s.adam = None;
        }
        Ok(Run {
            settings,
            target,
            snapshots,
            stopped,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    pub fn to_json(&self) -> Vec<u8> {
        let file = RunFile {
            format: FORMAT.into(),
            version: VERSION,
            layout: LAYOUT.into(),
            settings: self.settings.clone(),
            target: TargetFile {
                width: self.target.width,
                height: self.target.height,
                rows: self.target.to_rows(),
            },
            snapshots: self.snapshots.clone(),
            stopped: self.stopped.clone(),
            seconds: self.seconds,
        };
        serde_json::to_vec(&file).expect("run serialises")
    }

    /// Writes the run atomically; gzip-compressed when the name ends in `.gz`.
    pub fn save(&self, path: &Path) -> Result<(), RunFileError> {
        let json = self.to_json();
        let bytes = if path.extension().is_some_and(|e| e == "gz") {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&json)
                .and_then(|_| enc.finish())
                .map_err(|e| error(path, e.to_string()))?
        } else {
            json
        };
        write_atomic(path, &bytes).map_err(|e| error(path, format!("cannot write: {e}")))
    }

    pub fn load(path: &Path) -> Result<Self, RunFileError> {
        let raw = std::fs::read(path).map_err(|e| error(path, format!("cannot read: {e}")))?;
        Self::from_bytes(&raw).map_err(|problem| error(path, problem))
    }

    /// Parses a run file's bytes (plain or gzip JSON), checking everything it claims.
    pub fn from_bytes(raw: &[u8]) -> Result<Self, String> {
        let mut json = Vec::new();
        let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
            flate2::read::GzDecoder::new(raw)
                .read_to_end(&mut json)
                .map_err(|e| format!("gzip data is damaged or truncated ({e})"))?;
            &json[..]
        } else {
            raw
        };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("not valid JSON, the file may be truncated or corrupted ({e})"))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(format!("not a ginn run file (its format is `{other}`)")),
            None => return Err("not a ginn run file (no `format` field)".into()),
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v > VERSION as u64 => {
                return Err(format!(
                    "written by a newer ginn (run format version {v}; this ginn reads up to {VERSION})"
                ));
            }
            Some(_) => {}
            None => return Err("no `version` field".into()),
        }
        let file: RunFile =
            serde_json::from_value(value).map_err(|e| format!("malformed run file: {e}"))?;
        let arch = file
            .settings
            .validate()
            .map_err(|e| format!("bad settings: {e}"))?;
        let target = Target::from_rows(&file.target.rows)?;
        if (target.width, target.height) != (file.target.width, file.target.height) {
            return Err(format!(
                "target says {}×{} but its rows are {}×{}",
                file.target.width, file.target.height, target.width, target.height
            ));
        }
        if file.snapshots.is_empty() {
            return Err("the run has no snapshots".into());
        }
        let n = arch.parameter_count();
        for (i, s) in file.snapshots.iter().enumerate() {
            if s.params.len() != n {
                return Err(format!(
                    "snapshot {i} has {} parameters; widths {:?} need {n}",
                    s.params.len(),
                    file.settings.widths
                ));
            }
            if i > 0 && s.iteration <= file.snapshots[i - 1].iteration {
                return Err(format!(
                    "snapshot {i} (iteration {}) is out of order",
                    s.iteration
                ));
            }
        }
        Ok(Run {
            settings: file.settings,
            target,
            snapshots: file.snapshots,
            stopped: file.stopped,
            seconds: file.seconds,
        })
    }
}

fn error(path: &Path, problem: String) -> RunFileError {
    RunFileError {
        path: path.to_path_buf(),
        problem,
    }
}
