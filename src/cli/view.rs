//! `ginn view` (and `ginn` alone): the live viewer, or a saved run replayed.

use super::args::{TrainArgs, load_run};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ViewCmd {
    /// A run file to replay (and continue) instead of training a new run.
    run: Option<PathBuf>,
    /// Open the newest run the viewer autosaved when its window was closed during unsaved
    /// training (the folder is named in the message it printed then).
    #[arg(long, conflicts_with = "run")]
    recover: bool,
    /// Follow a PyTorch run: show the checkpoints (safetensors or torch.save files) that a
    /// training loop writes into this folder, as they appear, in iteration order; with
    /// --target or --points, their loss and accuracy too. Or a run file that grows (the
    /// Python package's `ginn.Recorder` writes one).
    #[arg(long, conflicts_with_all = ["run", "recover"])]
    follow: Option<PathBuf>,
    #[command(flatten)]
    train: Option<TrainArgs>,
    #[command(flatten)]
    thresholds: super::args::ThresholdArgs,
    #[command(flatten)]
    domain: super::args::DomainArgs,
    /// Start in the 3D layer-plane view, the report's 2D overlay, or layer space.
    #[arg(long, value_enum, default_value = "3d")]
    view: ginn::render::frame::View,
    /// Layer space: the layer shown at start, 0 (the input) to L (the last hidden layer).
    #[arg(long)]
    layer: Option<usize>,
    /// Training iterations per frame (within a frame-time budget).
    #[arg(long, default_value_t = 200)]
    iterations_per_frame: u64,
    /// Render this many frames, then exit (with --screenshot, save the last one).
    #[arg(long)]
    frames: Option<u32>,
    /// Where to save the last frame as PNG (needs --frames).
    #[arg(long, requires = "frames")]
    screenshot: Option<PathBuf>,
    /// Window size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x800", value_parser = parse_size)]
    size: (u32, u32),
    /// Boundary line width in pixels.
    #[arg(long, default_value_t = 2.5)]
    line_width: f32,
    /// Record a movie from the first frame into this folder (numbered PNGs and movie.gif),
    /// then exit; each frame advances --iterations-per-frame (one snapshot in a replay).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Frames to record with --record.
    #[arg(long, default_value_t = 60)]
    record_frames: u32,
    /// Replay: start paused at this snapshot (an iteration or `last`).
    #[arg(long)]
    at: Option<super::args::At>,
    // The phenomena's overlays come from their registry.
    #[arg(long, value_parser = ginn::overlays::Overlays::parse,
          help = format!("Start with these phenomena overlays on, comma-separated: {}",
                         ginn::analysis::Registry::builtin().overlay_help()))]
    overlay: Option<ginn::overlays::Overlays>,
    /// Start with a surface shown in 3D: the output (logit difference over the linear
    /// regions), or the selected unit's activation (with --select).
    #[arg(long, value_enum)]
    surface: Option<ginn::render::frame::SurfaceKind>,
    /// Start with this neuron selected, LAYER:UNIT, both from 1 (as on the original page).
    #[arg(long, value_parser = super::args::parse_unit)]
    select: Option<(usize, usize)>,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once('x')
        .ok_or_else(|| format!("size must look like 1280x800, got `{s}`"))?;
    let (w, h): (u32, u32) = (
        w.parse().map_err(|_| format!("bad width in `{s}`"))?,
        h.parse().map_err(|_| format!("bad height in `{s}`"))?,
    );
    if !(200..=8192).contains(&w) || !(200..=8192).contains(&h) {
        return Err(format!(
            "window size must be 200 to 8192 pixels on each side, got {w}x{h}"
        ));
    }
    Ok((w, h))
}

impl ViewCmd {
    /// `ginn` with no arguments.
    pub fn default_run() -> anyhow::Result<()> {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            view: ViewCmd,
        }
        Wrapper::parse_from(["ginn"]).view.run()
    }

    #[cfg(feature = "viewer")]
    pub fn run(self) -> anyhow::Result<()> {
        use ginn::run::session::Session;
        use ginn::viewer::ViewerOptions;
        let recovered = if self.recover {
            Some(
                ginn::run::autosave::newest(&ginn::run::autosave::dir())
                    .map_err(anyhow::Error::msg)?,
            )
        } else {
            None
        };
        let mut follow = None;
        let session = match (&self.run, &recovered) {
            (None, None) if self.follow.is_some() => {
                let (f, s) = self.start_following()?;
                follow = Some(f);
                s
            }
            (_, Some(path)) => {
                // Named after the run, not the autosave's file name.
                let run = load_run(path)?;
                let name = format!("{} (recovered)", Session::default_name(&run.settings));
                Session::from_run(name, run)
            }
            (Some(path), None) => Session::from_run(ginn::run::display_name(path), load_run(path)?),
            (None, None) => {
                let train = self.train.clone().unwrap_or_else(TrainArgs::defaults);
                let (settings, target) = train.settings_and_target()?;
                let name = Session::default_name(&settings);
                Session::new(name, settings, target)?
            }
        };
        let mut session = session;
        let (iteration, net) = (session.shown().1, session.shown_network());
        session.run.domain =
            self.domain
                .resolve(session.domain, &session.target, iteration, Some(net))?;
        if self.recover && self.at.is_none() {
            // Back where the window was closed: at the head, paused until Space.
            session.go_live();
            if !session.can_train() {
                session.scrub(session.snapshots.len() - 1);
            }
            session.playing = false;
        }
        if let (Some(at), Some(_)) = (self.at, self.run.as_ref().or(recovered.as_ref())) {
            let i = match at {
                super::args::At::Last => session.snapshots.len() - 1,
                super::args::At::Iteration(it) => {
                    ginn::train::snapshot::index_at(&session.snapshots, it)
                }
            };
            session.scrub(i);
            session.playing = false;
        }
        let widths = &session.settings.widths;
        let arch = session.settings.architecture()?;
        let select = match self.select {
            Some((l, u))
                if !arch.has_unit(ginn::nn::NeuronId {
                    layer: l - 1,
                    index: u - 1,
                }) =>
            {
                anyhow::bail!(
                    "--select {l}:{u}: the network has {} hidden layers of widths {widths:?}",
                    widths.len()
                )
            }
            Some((l, u)) => Some(ginn::nn::NeuronId {
                layer: l - 1,
                index: u - 1,
            }),
            None => None,
        };
        let options = ViewerOptions {
            record: self.record.clone().map(|d| (d, self.record_frames.max(1))),
            select,
            session_name: session.name.clone(),
            view: self.view,
            iterations_per_frame: self.iterations_per_frame,
            frames: self.frames,
            screenshot: self.screenshot,
            window: self.size,
            line_width: self.line_width,
            overlays: self.overlay.clone().unwrap_or_default(),
            surface: self.surface,
            thresholds: self.thresholds.thresholds()?,
            follow,
            layer: self.layer,
        };
        ginn::viewer::run(session, options)
    }

    /// Waits for the first checkpoint in the `--follow` folder and makes the run of it.
    #[cfg(feature = "viewer")]
    fn start_following(
        &self,
    ) -> anyhow::Result<(ginn::pytorch::follow::Follow, ginn::run::session::Session)> {
        let dir = self.follow.clone().expect("--follow given");
        // A run file that a recorder has yet to write is waited for, in a folder that is
        // there; a path in no folder is a typing error.
        let parent_is_there = dir
            .parent()
            .is_some_and(|p| p.as_os_str().is_empty() || p.is_dir());
        anyhow::ensure!(
            dir.is_dir() || dir.is_file() || parent_is_there,
            "--follow {}: neither a folder of checkpoints nor a run file, and not in a folder that exists",
            dir.display()
        );
        // Any data flag (--target, --points, --resolution, …) measures against that data.
        let (target, resolution) = match &self.train {
            Some(t) => (t.settings_unchecked()?.target, t.resolution),
            None => (ginn::targets::TargetSource::None, 200),
        };
        let mut follow = ginn::pytorch::follow::Follow::new(
            &dir,
            ginn::pytorch::ImportOptions {
                layers: None,
                activation: None,
                target,
                resolution,
                domain: match self.domain.domain {
                    Some(ginn::domain::DomainArg::Rect(d)) => Some(d),
                    _ => None,
                },
            },
        );
        let mut said = false;
        loop {
            let found = follow.look(None);
            for why in &found.refused {
                eprintln!("note: {why}");
            }
            if let Some(run) = found.run {
                let name = format!("{} (followed)", ginn::run::display_name(&dir));
                let mut s = ginn::run::session::Session::from_run(name, run);
                for snap in found.snapshots {
                    s.add_snapshot(snap);
                }
                return Ok((follow, s));
            }
            if !said {
                eprintln!(
                    "waiting for the first checkpoint in {} (Ctrl-C to stop)…",
                    dir.display()
                );
                said = true;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }

    #[cfg(not(feature = "viewer"))]
    pub fn run(self) -> anyhow::Result<()> {
        let _ = (
            &self.run,
            self.recover,
            &self.follow,
            &self.train,
            self.view,
            self.layer,
            self.frames,
            &self.screenshot,
            self.size,
            self.line_width,
            self.iterations_per_frame,
            self.select,
            self.at,
            &self.record,
            self.record_frames,
            self.overlay,
            self.surface,
            self.thresholds.thresholds()?,
            &self.domain,
        );
        let _ = load_run;
        anyhow::bail!(
            "this ginn was built without the viewer (cargo feature `viewer`); \
             the headless commands train, regions, render, figure and bench work"
        )
    }
}
