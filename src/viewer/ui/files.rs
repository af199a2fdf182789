//! Save the shown run, open a run file (a path field; errors appear as messages), and
//! reopen what the viewer autosaved when a window was closed during unsaved training.

use super::super::state::RunCommand;
use bevy_egui::egui;
use std::path::PathBuf;

pub struct Files {
    pub path: String,
    /// Where autosaves are looked for.
    pub autosave_dir: PathBuf,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            path: "run.ginn.json".into(),
            autosave_dir: crate::run::autosave::dir(),
        }
    }
}

impl Files {
    pub fn ui(&mut self, ui: &mut egui::Ui, outbox: &mut Vec<RunCommand>) {
        ui.text_edit_singleline(&mut self.path);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                outbox.push(RunCommand::Save(PathBuf::from(&self.path)));
            }
            if ui.button("Open").clicked() {
                outbox.push(RunCommand::Open(PathBuf::from(&self.path)));
            }
        });
        // The newest autosave (cheap: one small folder listing, only while this panel is open).
        if let Some(newest) = crate::run::autosave::list(&self.autosave_dir).first() {
            let name = newest
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.horizontal(|ui| {
                ui.label("autosave");
                let open_it = ui
                    .button("Open newest")
                    .on_hover_text(format!("{name}\nin {}", self.autosave_dir.display()));
                if open_it.clicked() {
                    outbox.push(RunCommand::Open(newest.clone()));
                }
            });
        }
    }
}
