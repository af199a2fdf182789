//! A run: its settings, its target and its snapshots, and the file that carries it from
//! `ginn train` to the viewer, the renderer and the analysis.
//!
//! The file is JSON (optionally gzip-compressed when the name ends in `.gz`), readable with
//! Python's standard `json` module; the README documents the schema.

pub mod autosave;
pub mod background;
pub mod fsutil;
pub mod interrupt;
pub mod session;
pub mod training;

use crate::domain::Domain;
use crate::nn::{Architecture, Network};
use crate::targets::{Data, Target};
use crate::train::snapshot::Snapshot;
use crate::train::{Settings, Stopped};
use fsutil::{Written, write_atomic, write_with_fallback};
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
    pub target: Data,
    /// The rectangle of the network's input coordinates the views show (a file without
    /// one: the points' own, else the unit square drawn as an image).
    pub domain: Domain,
    pub snapshots: Vec<Snapshot>,
    /// Set when the run ends before its planned last iteration: diverged (the snapshots
    /// before it are kept), interrupted, or a checkpoint written during training.
    pub stopped: Option<Stopped>,
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
    /// `null` for a run without a target (an imported network).
    target: Option<TargetFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain: Option<Domain>,
    snapshots: Vec<Snapshot>,
    #[serde(default)]
    stopped: Option<Stopped>,
    #[serde(default)]
    seconds: f64,
}

/// An image target as its bitmap, or the points (with their mapping and test split).
#[derive(Serialize, Deserialize)]
struct TargetFile {
    #[serde(default, skip_serializing_if = "is_zero")]
    width: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    height: u32,
    /// One string per row, top first, `1` = white.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rows: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    points: Option<crate::targets::Points>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl TargetFile {
    fn new(data: &Data) -> Option<Self> {
        match data {
            Data::Image(t) => Some(Self {
                width: t.width,
                height: t.height,
                rows: t.to_rows(),
                points: None,
            }),
            Data::Points(p) => Some(Self {
                width: 0,
                height: 0,
                rows: vec![],
                points: Some(p.clone()),
            }),
            Data::Nothing => None,
        }
    }

    fn data(self) -> Result<Data, String> {
        if let Some(p) = self.points {
            p.check()?;
            return Ok(Data::Points(p));
        }
        let target = Target::from_rows(&self.rows)?;
        if (target.width, target.height) != (self.width, self.height) {
            return Err(format!(
                "target says {}×{} but its rows are {}×{}",
                self.width, self.height, target.width, target.height
            ));
        }
        Ok(Data::Image(target))
    }
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
        self.settings
            .architecture()
            .expect("validated when the run was made or loaded")
    }

    pub fn last(&self) -> &Snapshot {
        self.snapshots
            .last()
            .expect("a run has at least its initial snapshot")
    }

    /// The snapshot at `iteration`, or the last one at or before it.
    pub fn at(&self, iteration: u64) -> &Snapshot {
        &self.snapshots[crate::train::snapshot::index_at(&self.snapshots, iteration)]
    }

    /// A snapshot's network as the views take it: on the view square, the domain folded
    /// into its first layer ([`Domain::fold`]).
    pub fn view_network(&self, snap: &Snapshot) -> Network {
        let net = snap
            .network(&self.architecture())
            .expect("checked when the run was made or loaded");
        self.domain.fold(&net)
    }

    /// Whether training can continue from the last snapshot (`ginn train --resume`).
    pub fn resumable(&self) -> bool {
        self.last().iteration < self.settings.iterations
            && self.stopped.as_ref().is_none_or(Stopped::resumable)
            && self.last().adam.is_some()
    }

    pub fn to_json(&self) -> Vec<u8> {
        let file = RunFile {
            format: FORMAT.into(),
            version: VERSION,
            layout: LAYOUT.into(),
            settings: self.settings.clone(),
            target: TargetFile::new(&self.target),
            domain: Some(self.domain),
            snapshots: self.snapshots.clone(),
            stopped: self.stopped.clone(),
            seconds: self.seconds,
        };
        serde_json::to_vec(&file).expect("run serialises")
    }

    /// The file's bytes: JSON, gzip-compressed when the name ends in `.gz`.
    pub fn encode(&self, path: &Path) -> Result<Vec<u8>, RunFileError> {
        let json = self.to_json();
        if path.extension().is_none_or(|e| e != "gz") {
            return Ok(json);
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&json)
            .and_then(|_| enc.finish())
            .map_err(|e| error(path, e.to_string()))
    }

    /// Writes the run atomically; gzip-compressed when the name ends in `.gz`.
    pub fn save(&self, path: &Path) -> Result<(), RunFileError> {
        let bytes = self.encode(path)?;
        write_atomic(path, &bytes).map_err(|e| error(path, format!("cannot write: {e}")))
    }

    /// Writes the run atomically to `path`, or, when that fails, to a fallback file in the
    /// current folder or the temp folder: a finished run is never thrown away.
    pub fn save_or_fallback(&self, path: &Path) -> Result<Written, RunFileError> {
        let bytes = self.encode(path)?;
        write_with_fallback(path, &bytes, write_atomic).map_err(|e| error(path, e))
    }

    /// A rough size of the file this run's settings make, for checking the disk first.
    pub fn expected_file_bytes(settings: &Settings) -> u64 {
        let params = settings.architecture().map_or(0, |a| a.parameter_count()) as u64;
        let snapshots = settings.snapshots.iterations(settings.iterations).len() as u64;
        // ~13 characters per float as JSON text; Adam's two moments in the last snapshot.
        (snapshots + 2) * params * 13 + (settings.resolution as u64).pow(2) + 4096
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
        let target = match file.target {
            Some(t) => t.data()?,
            None => Data::Nothing,
        };
        let domain = file.domain.unwrap_or_else(|| target.default_domain());
        domain
            .check()
            .map_err(|e| format!("bad domain: {}", e.to_string().replace("--domain ", "")))?;
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
            domain,
            snapshots: file.snapshots,
            stopped: file.stopped,
            seconds: file.seconds,
        })
    }
}

/// How a run opened from a file is named in the viewer: by the file, not its whole path.
pub fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn error(path: &Path, problem: String) -> RunFileError {
    RunFileError {
        path: path.to_path_buf(),
        problem,
    }
}
