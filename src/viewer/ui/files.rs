//! Save the shown run, open a run file (a path field; errors appear as messages), and
//! reopen what the viewer autosaved when a window was closed during unsaved training.

use super::super::training::Sessions;
use crate::run::Run;
use crate::session::Session;
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
            autosave_dir: crate::autosave::dir(),
        }
    }
}

impl Files {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        sessions: &mut Sessions,
        message: &mut Option<(String, bool)>,
    ) {
        ui.text_edit_singleline(&mut self.path);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                *message = Some(save(sessions, &self.path));
            }
            if ui.button("Open").clicked() {
                *message = Some(open(sessions, &self.path));
            }
        });
        // The newest autosave (cheap: one small folder listing, only while this panel is open).
        if let Some(newest) = crate::autosave::list(&self.autosave_dir).first() {
            let name = newest
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.horizontal(|ui| {
                ui.label("autosave");
                let open_it = ui
                    .button("Open newest")
                    .on_hover_text(format!("{name}\nin {}", self.autosave_dir.display()));
                if open_it.clicked() {
                    *message = Some(open(sessions, &newest.display().to_string()));
                }
            });
        }
    }
}

/// Saves the active run, or to a fallback file when the path fails; the message says where.
pub fn save(sessions: &mut Sessions, path: &str) -> (String, bool) {
    let path = PathBuf::from(path);
    match sessions.active_mut().save_or_fallback(&path) {
        Ok(w) => (
            w.describe(&path).replacen("wrote", "saved", 1),
            w.failed.is_some(),
        ),
        Err(e) => (e.to_string(), true),
    }
}

/// Opens a run file as a new run in the list; a bad file leaves everything as it was.
pub fn open(sessions: &mut Sessions, path: &str) -> (String, bool) {
    match Run::load(&PathBuf::from(path)) {
        Ok(run) => {
            let ipf = sessions.active().iterations_per_frame;
            sessions.push(Session::from_run(path.to_string(), run));
            sessions.active_mut().iterations_per_frame = ipf;
            (format!("opened {path}"), false)
        }
        Err(e) => (e.to_string(), true),
    }
}
