//! Run settings (Apply starts a new run, Reset restarts) and branching from the shown
//! snapshot.

use super::super::state::{RunCommand, Sessions};
use crate::nn::Activation;
use crate::targets::points::{DEFAULT_COUNT, DEFAULT_TEST_FRACTION, PointSource};
use crate::targets::{DEFAULT_THRESHOLD, Generator, PointSpec, TargetSource};
use crate::train::Settings;
use bevy_egui::egui;

/// What a new run learns from, as the panel offers it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DataChoice {
    /// The image target (built-in name or image path in `target`).
    Image,
    /// One of Playground's point datasets.
    Points(Generator),
    /// Points from the CSV file named in `target`.
    Csv,
}

impl DataChoice {
    fn label(self) -> String {
        match self {
            Self::Image => "image".into(),
            Self::Points(g) => format!("{} points", g.name()),
            Self::Csv => "points from CSV".into(),
        }
    }
}

pub struct RunSettings {
    data: DataChoice,
    target: String,
    noise: u32,
    count: usize,
    test_fraction: f64,
    /// `relu` or `leaky_relu:SLOPE`.
    activation: String,
    outputs: usize,
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
    /// What is wrong with the settings typed in, after Apply or Reset.
    error: Option<String>,
}

impl Default for RunSettings {
    fn default() -> Self {
        let s = Settings::default();
        Self {
            data: DataChoice::Image,
            target: s.target.name(),
            noise: 0,
            count: DEFAULT_COUNT,
            test_fraction: DEFAULT_TEST_FRACTION,
            activation: s.activation.to_string(),
            outputs: s.outputs,
            resolution: s.resolution,
            widths: s
                .widths
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(","),
            iterations: s.iterations,
            batch: s.batch,
            lr: s.lr,
            seed: s.seed,
            snapshots: s.snapshots.to_string(),
            branch_lr: s.lr,
            branch_batch: s.batch,
            loaded: false,
            error: None,
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
        let points = |source| {
            TargetSource::Points(PointSpec {
                source,
                noise: self.noise,
                count: self.count,
                test_fraction: self.test_fraction,
                seed: 0,
            })
        };
        let target = match self.data {
            DataChoice::Image => TargetSource::parse(self.target.trim(), DEFAULT_THRESHOLD)
                .map_err(|e| e.to_string())?,
            DataChoice::Points(g) => points(PointSource::Generator(g)),
            DataChoice::Csv => points(PointSource::Csv(self.target.trim().into())),
        };
        let activation: Activation = self.activation.parse()?;
        let s = Settings {
            target,
            resolution: self.resolution,
            widths,
            iterations: self.iterations,
            batch: self.batch,
            lr: self.lr,
            seed: self.seed,
            snapshots: self.snapshots.trim().parse()?,
            activation,
            outputs: self.outputs,
        };
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, sessions: &Sessions, outbox: &mut Vec<RunCommand>) {
        if !self.loaded {
            self.load(&sessions.active().settings);
        }
        egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
            ui.label("data");
            egui::ComboBox::from_id_salt("data")
                .selected_text(self.data.label())
                .show_ui(ui, |ui| {
                    let choices = std::iter::once(DataChoice::Image)
                        .chain(Generator::ALL.map(DataChoice::Points))
                        .chain([DataChoice::Csv]);
                    for c in choices {
                        ui.selectable_value(&mut self.data, c, c.label());
                    }
                });
            ui.end_row();
            match self.data {
                DataChoice::Image => {
                    ui.label("target");
                    ui.text_edit_singleline(&mut self.target).on_hover_text(
                        "bottle, disc, rings, checkerboard, spiral, moons, or an image path",
                    );
                    ui.end_row();
                    ui.label("resolution");
                    ui.add(egui::DragValue::new(&mut self.resolution).range(2..=4096));
                    ui.end_row();
                }
                DataChoice::Csv => {
                    ui.label("CSV file");
                    ui.text_edit_singleline(&mut self.target)
                        .on_hover_text("columns x, y, label (label 0 or 1); any numeric range");
                    ui.end_row();
                }
                DataChoice::Points(_) => {
                    ui.label("noise");
                    ui.add(
                        egui::DragValue::new(&mut self.noise)
                            .range(0..=50)
                            .suffix(" %"),
                    );
                    ui.end_row();
                    ui.label("points");
                    ui.add(
                        egui::DragValue::new(&mut self.count)
                            .range(2..=100_000)
                            .speed(10),
                    );
                    ui.end_row();
                }
            }
            if self.data != DataChoice::Image {
                ui.label("test fraction");
                ui.add(
                    egui::DragValue::new(&mut self.test_fraction)
                        .range(0.0..=0.95)
                        .speed(0.01),
                )
                .on_hover_text("held out: never trained on, measured in every snapshot");
                ui.end_row();
            }
            ui.label("hidden widths");
            ui.text_edit_singleline(&mut self.widths);
            ui.end_row();
            ui.label("activation");
            ui.text_edit_singleline(&mut self.activation)
                .on_hover_text("relu or leaky_relu:SLOPE (e.g. leaky_relu:0.1)");
            ui.end_row();
            // Short labels: the row fits the panel at 1024×640.
            ui.label("logits");
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.outputs, 2, "2")
                    .on_hover_text("two logits: softmax cross-entropy, as the report");
                ui.radio_value(&mut self.outputs, 1, "1")
                    .on_hover_text("one logit: binary cross-entropy");
            });
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
                outbox.extend(self.command(None, RunCommand::Start));
            }
            if ui
                .button("Reset")
                .on_hover_text("restart with the same seed")
                .clicked()
            {
                outbox.extend(self.command(Some(self.seed), RunCommand::Restart));
            }
            if ui.button("Reset, new seed").clicked() {
                self.seed = self.seed.wrapping_add(1);
                outbox.extend(self.command(Some(self.seed), RunCommand::Restart));
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
        }
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
            outbox.push(RunCommand::Branch {
                lr: self.branch_lr,
                batch: self.branch_batch,
            });
        }
        ui.separator();
        ui.label("Runs");
        for (i, (s, label)) in sessions.list.iter().zip(sessions.labels()).enumerate() {
            if ui
                .selectable_label(i == sessions.active, label)
                .on_hover_text(super::super::state::Sessions::describe(s))
                .clicked()
                && i != sessions.active
            {
                outbox.push(RunCommand::Activate(i));
            }
        }
    }

    /// The command for the settings typed in (with another seed), or none and a message
    /// under the buttons saying what is wrong with them.
    fn command(
        &mut self,
        seed: Option<u64>,
        make: fn(Settings) -> RunCommand,
    ) -> Option<RunCommand> {
        let parsed = self.parse().map(|mut s| {
            if let Some(seed) = seed {
                s.seed = seed;
            }
            make(s)
        });
        self.error = parsed.as_ref().err().cloned();
        parsed.ok()
    }

    fn load(&mut self, s: &Settings) {
        self.target = s.target.name();
        self.data = DataChoice::Image;
        if let TargetSource::Points(p) = &s.target {
            (self.noise, self.count, self.test_fraction) = (p.noise, p.count, p.test_fraction);
            match &p.source {
                PointSource::Generator(g) => self.data = DataChoice::Points(*g),
                PointSource::Csv(path) => {
                    self.data = DataChoice::Csv;
                    self.target = path.display().to_string();
                }
            }
        }
        if s.target == TargetSource::None {
            // An imported net: offer the bottle for a new run.
            self.target = "bottle".into();
        }
        self.activation = s.activation.to_string();
        self.outputs = s.outputs;
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
}
