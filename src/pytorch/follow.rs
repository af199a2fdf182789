//! A PyTorch run followed live (`ginn view --follow DIR`): the checkpoints a training loop
//! elsewhere writes into a folder are read as they appear, each once, as snapshots. A run
//! file that grows (the Python package's `ginn.Recorder` rewrites it atomically at each
//! record) is followed the same way: `ginn view --follow run.json`.
//!
//! A file still being written does not parse (a zip or safetensors file is read whole and
//! checked), so it is left for the next look and taken once complete; writing to a
//! temporary name and renaming (as the README's snippet does) avoids even the retries.

use super::{ImportOptions, import};
use crate::train::Snapshot;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Extensions of the checkpoint files followed.
const CHECKPOINTS: [&str; 4] = ["safetensors", "pt", "pth", "ckpt"];

/// A folder of checkpoints, and which of its files have been taken in.
#[derive(Clone, Debug)]
pub struct Follow {
    pub dir: PathBuf,
    options: ImportOptions,
    taken: HashSet<PathBuf>,
    /// The last iteration taken: a file whose name and content give no step comes after it.
    last: Option<u64>,
}

/// What one look at the folder found.
#[derive(Default)]
pub struct Found {
    /// New snapshots, ascending by iteration.
    pub snapshots: Vec<Snapshot>,
    /// The run the first of them makes (settings, data), on the first look that finds any.
    pub run: Option<crate::run::Run>,
    /// Files that cannot be of this network (another architecture): named once each.
    pub refused: Vec<String>,
}

impl Follow {
    pub fn new(dir: &Path, options: ImportOptions) -> Self {
        Self {
            dir: dir.to_path_buf(),
            options,
            taken: HashSet::new(),
            last: None,
        }
    }

    /// Reads the checkpoints that appeared (or were completed) since the last look.
    pub fn look(&mut self, arch: Option<&crate::nn::Architecture>) -> Found {
        if self.dir.is_file() {
            return self.look_at_run(arch);
        }
        let mut found = Found::default();
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| CHECKPOINTS.iter().any(|c| x == *c))
            })
            .filter(|p| !self.taken.contains(p))
            .collect();
        names.sort_by(|a, b| super::natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
        for p in names {
            // Unreadable for now (being written): looked at again next time.
            let Ok(imported) = import(std::slice::from_ref(&p), &self.options) else {
                continue;
            };
            self.taken.insert(p.clone());
            let run = imported.run;
            let same = match (arch, &found.run) {
                (Some(a), _) => run.architecture() == *a,
                (None, Some(first)) => run.architecture() == first.architecture(),
                (None, None) => true,
            };
            if !same {
                found.refused.push(format!(
                    "{}: a network of other widths ({:?}); not part of this run",
                    p.display(),
                    run.settings.widths
                ));
                continue;
            }
            let mut snap = run.last().clone();
            // A file without a step of its own comes after the last one.
            let numbered = snap.iteration > 0 || super::iteration_in_name(&p).is_some();
            if !numbered && let Some(last) = self.last {
                snap.iteration = last + 1;
            }
            self.last = Some(self.last.map_or(snap.iteration, |l| l.max(snap.iteration)));
            if found.run.is_none() && arch.is_none() {
                found.run = Some(run);
            }
            found.snapshots.push(snap);
        }
        found.snapshots.sort_by_key(|s| s.iteration);
        found
    }

    /// A run file: its snapshots after the last one taken (none while it is unreadable,
    /// say replaced as this reads it; another network's run is named once).
    fn look_at_run(&mut self, arch: Option<&crate::nn::Architecture>) -> Found {
        let mut found = Found::default();
        let Ok(run) = crate::run::Run::load(&self.dir) else {
            return found;
        };
        if arch.is_some_and(|a| *a != run.architecture()) {
            if self.taken.insert(self.dir.clone()) {
                found.refused.push(format!(
                    "{}: now a network of other widths ({:?}); not part of this run",
                    self.dir.display(),
                    run.settings.widths
                ));
            }
            return found;
        }
        found.snapshots = run
            .snapshots
            .iter()
            .filter(|s| self.last.is_none_or(|l| s.iteration > l))
            .cloned()
            .collect();
        if let Some(s) = found.snapshots.last() {
            self.last = Some(s.iteration);
        }
        if arch.is_none() && !found.snapshots.is_empty() {
            found.run = Some(run);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Architecture, Network};
    use crate::targets::TargetSource;
    use rand::SeedableRng;

    fn checkpoint(seed: u64) -> Vec<u8> {
        let net = Network::init(
            Architecture::new(&[5, 4]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        );
        super::super::export(&net)
    }

    /// Followed without data or domain.
    fn options() -> ImportOptions {
        ImportOptions {
            layers: None,
            activation: None,
            target: TargetSource::None,
            resolution: 16,
            domain: None,
        }
    }

    #[test]
    fn checkpoints_are_taken_once_in_order_and_half_written_ones_wait() {
        let dir = std::env::temp_dir().join(format!("ginn-follow-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let options = options();
        let mut f = Follow::new(&dir, options);
        assert!(f.look(None).run.is_none(), "nothing yet");
        std::fs::write(dir.join("step_200.safetensors"), checkpoint(2)).unwrap();
        std::fs::write(dir.join("step_100.safetensors"), checkpoint(1)).unwrap();
        let first = f.look(None);
        let its: Vec<u64> = first.snapshots.iter().map(|s| s.iteration).collect();
        assert_eq!(its, [100, 200]);
        let arch = first.run.expect("the run").architecture();
        // Half written: not taken; complete: taken, once.
        let whole = checkpoint(3);
        std::fs::write(dir.join("step_300.safetensors"), &whole[..whole.len() / 2]).unwrap();
        assert!(f.look(Some(&arch)).snapshots.is_empty());
        std::fs::write(dir.join("step_300.safetensors"), &whole).unwrap();
        let next = f.look(Some(&arch));
        assert_eq!(next.snapshots.len(), 1);
        assert_eq!(next.snapshots[0].iteration, 300);
        assert!(f.look(Some(&arch)).snapshots.is_empty(), "once");
        // Another network is named, not mixed in.
        let other = Network::init(
            Architecture::new(&[3]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(9),
        );
        std::fs::write(
            dir.join("step_400.safetensors"),
            super::super::export(&other),
        )
        .unwrap();
        let odd = f.look(Some(&arch));
        assert!(odd.snapshots.is_empty() && odd.refused.len() == 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_growing_run_file_gives_each_new_snapshot_once() {
        let dir = std::env::temp_dir().join(format!("ginn-follow-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rec.json");
        let ckpt = dir.join("step_5.safetensors");
        std::fs::write(&ckpt, checkpoint(1)).unwrap();
        let options = options();
        let mut run = super::super::import(std::slice::from_ref(&ckpt), &options)
            .unwrap()
            .run;
        let mut f = Follow::new(&path, options);
        assert!(f.look(None).run.is_none(), "no file yet");
        run.save(&path).unwrap();
        let first = f.look(None);
        assert_eq!(first.snapshots.len(), 1);
        let arch = first.run.expect("the run").architecture();
        assert!(f.look(Some(&arch)).snapshots.is_empty(), "once");
        let mut next = run.last().clone();
        next.iteration = 9;
        run.snapshots.push(next);
        run.save(&path).unwrap();
        let more = f.look(Some(&arch));
        assert_eq!(
            more.snapshots
                .iter()
                .map(|s| s.iteration)
                .collect::<Vec<_>>(),
            [9]
        );
        // A damaged file is skipped until it reads whole again.
        std::fs::write(&path, b"{\"format\": \"ginn-run\"").unwrap();
        assert!(f.look(Some(&arch)).snapshots.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
