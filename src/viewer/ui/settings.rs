//! Run settings (Apply starts a new run, Reset restarts) and branching from the shown
//! snapshot.

use super::super::training::Sessions;
use crate::session::Session;
use crate::target::{DEFAULT_THRESHOLD, TargetSource};
use crate::train::Settings;
use bevy_egui::egui;

pub struct RunSettings {
    target: String,
    resolution: u32,
    widths: String,
    iterations: u64,
    batch: usize,
    lr: f64,
    seed: u64,
    /// `paper` or `every:N`.
    snapshots: String,
    branch_lr: f64,
    branch_batch: usize,
    loaded: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        let s = Settings::default();
        Self {
            target: "bottle".into(),
            resolution: s.resolution,
            widths: "16,16,16".into(),
            iterations: s.iterations,
            batch: s.batch,
            lr: s.lr,
            seed: s.seed,
            snapshots: s.snapshots.to_string(),
            branch_lr: s.lr,
            branch_batch: s.batch,
            loaded: false,
        }
    }
}

impl RunSettings {
    /// The settings typed in, checked.
    pub fn parse(&self) -> Result<Settings, String> {
        let widths: Result<Vec<usize>, _> = self
            .widths
            .split(',')
            .map(|w| w.trim().parse::<usize>())
            .collect();
        let widths = widths.map_err(|_| {
            format!(
                "widths must be numbers separated by commas, got `{}`",
                self.widths
            )
        })?;
        let target = TargetSource::parse(self.target.trim(), DEFAULT_THRESHOLD)
            .map_err(|e| e.to_string())?;
        let s = Settings {
            target,
            resolution: self.resolution,
            widths,
            iterations: self.iterations,
            batch: self.batch,
            lr: self.lr,
            seed: self.seed,
            snapshots: self.snapshots.trim().parse()?,
        };
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        sessions: &mut Sessions,
        message: &mut Option<(String, bool)>,
    ) {
        if !self.loaded {
            self.load(&sessions.active().settings);
        }
        egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
            ui.label("target");
            ui.text_edit_singleline(&mut self.target).on_hover_text(
                "bottle, disc, rings, checkerboard, spiral, moons, or an image path",
            );
            ui.end_row();
            ui.label("resolution");
            ui.add(egui::DragValue::new(&mut self.resolution).range(2..=4096));
            ui.end_row();
            ui.label("hidden widths");
            ui.text_edit_singleline(&mut self.widths);
            ui.end_row();
            ui.label("iterations");
            ui.add(
                egui::DragValue::new(&mut self.iterations)
                    .range(1..=100_000_000)
                    .speed(1000),
            );
            ui.end_row();
            ui.label("batch");
            ui.add(egui::DragValue::new(&mut self.batch).range(1..=65536));
            ui.end_row();
            ui.label("learning rate");
            ui.add(
                egui::DragValue::new(&mut self.lr)
                    .range(1e-7..=1.0)
                    .speed(1e-5),
            );
            ui.end_row();
            ui.label("seed");
            ui.add(egui::DragValue::new(&mut self.seed));
            ui.end_row();
            ui.label("snapshots");
            ui.text_edit_singleline(&mut self.snapshots)
                .on_hover_text("paper (the report's log-spaced schedule) or every:N");
            ui.end_row();
        });
        ui.horizontal(|ui| {
            if ui
                .button("Apply")
                .on_hover_text("start a new run with these settings")
                .clicked()
            {
                self.start(sessions, message, None);
            }
            if ui
                .button("Reset")
                .on_hover_text("restart with the same seed")
                .clicked()
            {
                self.start(sessions, message, Some(self.seed));
            }
            if ui.button("Reset, new seed").clicked() {
                self.seed = self.seed.wrapping_add(1);
                self.start(sessions, message, Some(self.seed));
            }
        });
        ui.separator();
        ui.label("Branch from the shown snapshot");
        ui.add(
            egui::DragValue::new(&mut self.branch_lr)
                .range(1e-7..=1.0)
                .speed(1e-5)
                .prefix("lr "),
        );
        ui.add(
            egui::DragValue::new(&mut self.branch_batch)
                .range(1..=65536)
                .prefix("batch "),
        );
        if ui
            .button("Branch")
            .on_hover_text(
                "continue training from here as a new run; the old run stays in the run list",
            )
            .clicked()
        {
            let s = sessions.active();
            match s.branch(
                s.shown_index(),
                Some(self.branch_lr),
                Some(self.branch_batch),
            ) {
                Ok(b) => {
                    let ipf = s.iterations_per_frame;
                    sessions.push(b);
                    sessions.active_mut().iterations_per_frame = ipf;
                    *message = Some(("branched: training the new run".into(), false));
                }
                Err(e) => *message = Some((e.to_string(), true)),
            }
        }
        ui.separator();
        ui.label("Runs");
        let mut pick = None;
        for (i, s) in sessions.list.iter().enumerate() {
            if ui.selectable_label(i == sessions.active, &s.name).clicked() {
                pick = Some(i);
            }
        }
        if let Some(i) = pick {
            sessions.active = i;
            sessions.active_mut().version += 1;
        }
    }

    fn load(&mut self, s: &Settings) {
        self.target = s.target.name();
        self.resolution = s.resolution;
        self.widths = s
            .widths
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join(",");
        self.iterations = s.iterations;
        self.batch = s.batch;
        self.lr = s.lr;
        self.seed = s.seed;
        self.snapshots = s.snapshots.to_string();
        self.branch_lr = s.lr;
        self.branch_batch = s.batch;
        self.loaded = true;
    }

    fn start(
        &mut self,
        sessions: &mut Sessions,
        message: &mut Option<(String, bool)>,
        seed: Option<u64>,
    ) {
        let result = self.parse().and_then(|mut s| {
            if let Some(seed) = seed {
                s.seed = seed;
            }
            let target = s.target.build(s.resolution).map_err(|e| e.to_string())?;
            let name = format!("{} seed {}", s.target.name(), s.seed);
            Session::new(name, s, target).map_err(|e| e.to_string())
        });
        match result {
            Ok(session) => {
                let ipf = sessions.active().iterations_per_frame;
                sessions.push(session);
                sessions.active_mut().iterations_per_frame = ipf;
                *message = Some(("started a new run".into(), false));
            }
            Err(e) => *message = Some((e, true)),
        }
    }
}
