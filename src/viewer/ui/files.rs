//! Save the shown run, open a run file (a path field; errors appear as messages).

use super::super::training::Sessions;
use crate::run::Run;
use crate::session::Session;
use bevy_egui::egui;
use std::path::PathBuf;

pub struct Files {
    pub path: String,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            path: "run.ginn.json".into(),
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
    }
}

/// Saves the active run; the message says where or what went wrong.
pub fn save(sessions: &Sessions, path: &str) -> (String, bool) {
    match sessions.active().save(&PathBuf::from(path)) {
        Ok(()) => (format!("saved {path}"), false),
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
