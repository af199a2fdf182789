//! The panels as a user meets them: every button, checkbox, radio button and tab clicked by
//! its label (egui_kittest finds widgets through AccessKit), with a 2-layer and a 3×16
//! network, a live run and a replay, with and without a selected unit. Run commands the
//! panels send are applied between frames as the viewer does, and the shown geometry is
//! rebuilt, so Apply, Open and run switching are exercised for real.

use super::common::temp_dir;
use bevy_egui::egui;
use bevy_egui::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use ginn::geometry::{Geometry, Rect};
use ginn::nn::NeuronId;
use ginn::run::session::Session;
use ginn::targets::Shape;
use ginn::train::{Settings, SnapshotPlan};
use ginn::viewer::View;
use ginn::viewer::runs::{apply, stale};
use ginn::viewer::state::Recorder;
use ginn::viewer::state::{Display, RunCommand, Selection, Sessions, Shown, ViewState};
use ginn::viewer::ui::{Panels, Panes, draw, filter_egui_keys};

/// Everything the panels need, owned, standing in for the viewer's resources.
struct Viewer {
    sessions: Sessions,
    display: Display,
    view: ViewState,
    panels: Panels,
    shown: Shown,
    selection: Selection,
    recorder: Recorder,
    outbox: Vec<RunCommand>,
    analysis: Option<ginn::analysis::Analysis>,
    /// A partition is being computed off the frame, and the analysis's progress.
    computing: bool,
    analysed: (usize, usize),
    /// The part left for the view by the last draw.
    central: egui::Rect,
    /// Where the selected unit's boundary is on screen.
    avoid: Option<egui::Rect>,
}

impl Viewer {
    fn new(widths: &[usize], live: bool, select: Option<NeuronId>) -> Self {
        let settings = Settings {
            resolution: 24,
            widths: widths.to_vec(),
            iterations: 400,
            batch: 16,
            lr: 0.01,
            snapshots: SnapshotPlan::Every(100),
            ..Settings::default()
        };
        let mut s = Session::new("test", settings, Shape::Disc.draw(24)).unwrap();
        s.train(200, std::time::Duration::from_secs(10));
        if !live {
            let run = s.to_run();
            s = Session::from_run("replay", run);
        }
        // A folder of its own: tests run in parallel, and temp_dir starts it empty.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = temp_dir(&format!("panels-{n}"));
        let mut panels = Panels::default();
        panels.files.autosave_dir = dir.join("autosave");
        panels.files.path = dir.join("run.ginn.json").display().to_string();
        let mut recorder = Recorder::default();
        recorder.dir = dir.join("recording").display().to_string();
        let mut v = Self {
            sessions: Sessions::new(s, 10),
            display: Display::default(),
            view: ViewState::new(View::ThreeD),
            panels,
            shown: Shown::default(),
            selection: Selection {
                neuron: select,
                ..Default::default()
            },
            recorder,
            outbox: vec![],
            analysis: None,
            computing: false,
            analysed: (0, 0),
            central: egui::Rect::NOTHING,
            avoid: None,
        };
        v.frame();
        v
    }

    /// What the viewer does between two frames: apply the commands, keep the selection
    /// valid, rebuild the geometry of the shown network.
    fn frame(&mut self) {
        for c in std::mem::take(&mut self.outbox) {
            apply(&mut self.sessions, c);
        }
        if stale(&self.sessions, &self.selection) {
            self.selection.select(None);
        }
        // As the viewer's training system does each frame.
        for s in &mut self.sessions.list {
            s.run.collect_evaluations();
        }
        let s = self.sessions.active();
        let net = s.shown_network();
        self.shown.geometry = Some(Geometry::new(&net, Rect::UNIT));
        self.shown.iteration = s.shown().1;
        self.shown.network = Some(net);
        self.shown.generation += 1;
    }
}

fn harness(v: Viewer) -> Harness<'static, Viewer> {
    harness_sized(v, egui::vec2(1280.0, 800.0))
}

/// The panels in a window of `size`; the commands they send collect in `outbox`.
fn harness_sized(v: Viewer, size: egui::Vec2) -> Harness<'static, Viewer> {
    Harness::builder().with_size(size).build_ui_state(
        |ui, v: &mut Viewer| {
            let (out, central) = draw(
                ui,
                Panes {
                    sessions: &mut v.sessions,
                    display: &mut v.display,
                    highlight: &mut None,
                    view: &mut v.view,
                    panels: &mut v.panels,
                    shown: &v.shown,
                    computing: v.computing,
                    selection: &mut v.selection,
                    recorder: &mut v.recorder,
                    status: None,
                    fps: Some(60.0),
                    avoid: v.avoid,
                    phenomena: ginn::viewer::ui::phenomena::Analysed {
                        analysis: v.analysis.as_ref(),
                        done: v.analysed.0,
                        total: v.analysed.1,
                        failed: None,
                    },
                },
            );
            v.outbox.extend(out);
            v.central = central;
        },
        v,
    )
}

/// One frame: the viewer's between-frames work, then egui's passes.
fn step(h: &mut Harness<'static, Viewer>) {
    h.state_mut().frame();
    h.run();
}

fn click(h: &mut Harness<'static, Viewer>, label: &str) {
    h.get_by_label(label).click();
    step(h);
}

/// A key press, passed to egui as the viewer passes it (see `filter_egui_keys`).
fn press(h: &mut Harness<'static, Viewer>, key: egui::Key, keyboard_free: bool) {
    let mut input = egui::RawInput::default();
    for pressed in [true, false] {
        input.events.push(egui::Event::Key {
            key,
            pressed,
            modifiers: egui::Modifiers::default(),
            repeat: false,
            physical_key: None,
        });
    }
    filter_egui_keys(&mut input, keyboard_free);
    h.input_mut().events.extend(input.events);
    h.run();
}

/// The text field showing `value`.
fn field<'h>(h: &'h Harness<'static, Viewer>, value: &'h str) -> egui_kittest::Node<'h> {
    h.query_all_by_value(value)
        .find(|n| n.accesskit_node().role() == Role::TextInput)
        .unwrap_or_else(|| panic!("no text field shows `{value}`"))
}

/// Labels of the clickable widgets now on screen, with their occurrence number.
fn clickables(h: &Harness<'static, Viewer>) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for node in h.root().children_recursive() {
        let n = node.accesskit_node();
        let clickable = matches!(
            n.role(),
            Role::Button | Role::CheckBox | Role::RadioButton | Role::Tab
        );
        if let (true, Some(label)) = (clickable, n.label()) {
            let k = seen.iter().filter(|(l, _)| *l == label).count();
            seen.push((label, k));
        }
    }
    seen
}

/// Opens the collapsed sections, then clicks every clickable widget once, in turn.
fn click_everything(mut v: Viewer) -> Viewer {
    v.panels.diagram = true;
    let mut h = harness(v);
    h.run();
    for section in ["Run settings", "Files", "Record"] {
        click(&mut h, section);
    }
    let all = clickables(&h);
    assert!(all.len() > 20, "found only {} widgets", all.len());
    for (label, k) in all {
        // The list may have changed (a new run, a closed section): click what is there.
        let found = h.query_all_by_label(&label).nth(k).map(|node| node.click());
        if found.is_some() {
            step(&mut h);
        }
    }
    // Every field: text fields and number fields, edited by typing into them.
    for section in ["Run settings", "Files", "Record"] {
        if h.query_by_label(section).is_some()
            && h.query_all_by_role(Role::TextInput).next().is_none()
        {
            click(&mut h, section);
        }
    }
    let fields = h
        .root()
        .children_recursive()
        .filter(|n| {
            matches!(
                n.accesskit_node().role(),
                Role::TextInput | Role::SpinButton
            )
        })
        .count();
    assert!(fields >= 5, "found only {fields} fields");
    for k in 0..fields {
        let typed = h
            .root()
            .children_recursive()
            .filter(|n| {
                matches!(
                    n.accesskit_node().role(),
                    Role::TextInput | Role::SpinButton
                )
            })
            .nth(k)
            .map(|n| {
                n.focus();
            });
        if typed.is_some() {
            h.run();
            h.event(egui::Event::Text("2".into()));
            press(&mut h, egui::Key::Enter, false);
            step(&mut h);
        }
    }
    h.into_state()
}

#[test]
fn every_control_can_be_used_on_every_kind_of_run() {
    for widths in [&[6, 5][..], &[16, 16, 16][..]] {
        for live in [true, false] {
            for select in [None, Some(NeuronId { layer: 1, index: 3 })] {
                let v = click_everything(Viewer::new(widths, live, select));
                assert!(!v.sessions.list.is_empty());
            }
        }
    }
}

#[test]
fn the_network_diagram_opens_and_picks_units() {
    let mut h = harness(Viewer::new(&[16, 16, 16], true, None));
    h.run();
    click(&mut h, "network diagram");
    assert!(h.state().panels.diagram);
}

#[test]
fn apply_with_fewer_units_drops_the_selected_unit_before_the_inspector_draws() {
    let select = NeuronId {
        layer: 1,
        index: 25,
    };
    let mut h = harness(Viewer::new(&[32, 32], true, Some(select)));
    h.run();
    assert!(
        h.query_by_label("Neuron").is_some(),
        "the inspector is open"
    );
    click(&mut h, "Run settings");
    // Type the new widths as a user would: into the field, all selected, then Apply.
    field(&h, "32,32").focus();
    h.run();
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.run();
    field(&h, "32,32").type_text("4,4");
    h.run();
    click(&mut h, "Apply");
    step(&mut h);
    let v = h.state();
    assert_eq!(v.sessions.active().settings.widths, vec![4, 4]);
    assert_eq!(v.selection.neuron, None, "layer 2 has no unit 26 any more");
    // Opening a run and switching back keep the selection valid too.
    let path = std::path::PathBuf::from(&v.panels.files.path);
    h.state_mut().outbox.push(RunCommand::Save(path.clone()));
    step(&mut h);
    h.state_mut().selection.neuron = Some(NeuronId { layer: 0, index: 3 });
    h.state_mut().outbox.push(RunCommand::Activate(0));
    step(&mut h);
    assert_eq!(
        h.state().selection.neuron,
        Some(NeuronId { layer: 0, index: 3 })
    );
    h.state_mut().selection.neuron = Some(select);
    h.state_mut().outbox.push(RunCommand::Open(path));
    step(&mut h);
    assert_eq!(h.state().selection.neuron, None);
}

#[test]
fn apply_with_unchanged_settings_adds_no_run() {
    let mut h = harness(Viewer::new(&[6, 5], true, None));
    h.run();
    click(&mut h, "Run settings");
    click(&mut h, "Apply");
    step(&mut h);
    assert_eq!(h.state().sessions.list.len(), 1);
    click(&mut h, "Reset");
    step(&mut h);
    assert_eq!(
        h.state().sessions.list.len(),
        2,
        "Reset restarts as a new run"
    );
}

#[test]
fn after_tab_the_keys_still_reach_the_app() {
    let mut h = harness(Viewer::new(&[6, 5], false, None));
    h.run();
    let shown = h.state().sessions.active().shown_index();
    // Tab and Space, as the viewer passes keys to egui while no text field is edited.
    press(&mut h, egui::Key::Tab, true);
    assert_eq!(
        h.ctx.memory(|m| m.focused()),
        None,
        "Tab gave a widget the focus"
    );
    press(&mut h, egui::Key::Space, true);
    assert_eq!(
        h.state().sessions.active().shown_index(),
        shown,
        "Space pressed a panel button"
    );
    // In a text field, keys are egui's.
    click(&mut h, "Files");
    let path = h.state().panels.files.path.clone();
    field(&h, &path).focus();
    h.run();
    assert!(ginn::viewer::ui::text_edit_focused(&h.ctx));
    press(&mut h, egui::Key::End, false);
    field(&h, &path).type_text("x");
    h.run();
    assert!(
        h.state().panels.files.path.ends_with('x'),
        "{}",
        h.state().panels.files.path
    );
}

#[test]
fn every_glyph_the_panels_show_is_in_the_bundled_fonts() {
    let mut v = Viewer::new(&[16, 16, 16], true, Some(NeuronId { layer: 0, index: 1 }));
    v.panels.help = true;
    v.panels.diagram = true;
    // A branch, so that branch names are on screen.
    v.outbox.push(RunCommand::Branch {
        lr: 1e-3,
        batch: 16,
    });
    let mut h = harness(v);
    step(&mut h);
    for section in ["Run settings", "Files", "Record"] {
        click(&mut h, section);
    }
    let mut texts: Vec<String> = h
        .root()
        .children_recursive()
        .filter_map(|n| n.accesskit_node().label().or(n.accesskit_node().value()))
        .collect();
    texts.extend(
        ginn::viewer::ui::help::KEYS
            .iter()
            .flat_map(|(k, w)| [k.to_string(), w.to_string()]),
    );
    assert!(texts.iter().any(|t| t.contains("branch at")), "{texts:?}");
    // And every string the UI can show but that this screen does not (tooltips, messages,
    // formatted labels, the phenomena rows, the status line and messages): the literals
    // of the files that write them (the window title is the system's font, not egui's).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("run/session.rs")];
    let mut dirs = vec![root.join("viewer/ui"), root.join("viewer/state")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut literals: Vec<String> = files
        .iter()
        .flat_map(|f| string_literals(&std::fs::read_to_string(f).unwrap()))
        .collect();
    // The phenomena's rows, what they are about and their overlays, each written by the
    // phenomenon's own file in `analysis/` (its summary is the command line's, not the
    // panel's).
    for e in std::fs::read_dir(root.join("analysis")).unwrap().flatten() {
        let src = std::fs::read_to_string(e.path()).unwrap();
        for f in ["fn row(", "fn about(", "fn overlays("] {
            for body in src.split(f).skip(1) {
                let end = body.find("\n    fn ").unwrap_or(body.len());
                literals.extend(string_literals(&body[..end]));
            }
        }
    }
    assert!(
        literals.iter().any(|l| l.contains("copycat and")),
        "the phenomena's files were read"
    );
    texts.extend(literals);
    // What egui draws (its bundled default fonts, as the viewer's): its own answer, which
    // is a false "no" for characters of the fonts of the proportional family that come
    // before the last (Ubuntu Light, Noto Emoji), so those are looked up there directly.
    use ab_glyph::Font;
    let direct: Vec<ab_glyph::FontRef> = [
        epaint_default_fonts::UBUNTU_LIGHT,
        epaint_default_fonts::NOTO_EMOJI_REGULAR,
        epaint_default_fonts::EMOJI_ICON,
    ]
    .iter()
    .map(|f| ab_glyph::FontRef::try_from_slice(f).unwrap())
    .collect();
    let font = egui::FontId::proportional(14.0);
    for t in &texts {
        for c in t.chars().filter(|c| !c.is_whitespace()) {
            assert!(
                direct.iter().any(|f| f.glyph_id(c).0 != 0)
                    || h.ctx.fonts_mut(|fs| fs.has_glyph(&font, c)),
                "`{c}` (U+{:04X}) in \"{t}\" has no glyph",
                c as u32
            );
        }
    }
}

/// The string literals of Rust source, outside comments (char literals and escapes aside).
fn string_literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in src.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut chars = code.chars().peekable();
        let (mut inside, mut cur, mut prev) = (false, String::new(), ' ');
        while let Some(c) = chars.next() {
            if inside {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        inside = false;
                        out.push(std::mem::take(&mut cur));
                    }
                    _ => cur.push(c),
                }
            } else if c == '"' && prev != '\'' {
                inside = true;
            } else if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            prev = c;
        }
    }
    out
}

/// At 1024×640 the timeline's controls wrap instead of running under the right panel
/// (which hid the chart's right end and its marker).
#[test]
fn a_small_window_keeps_the_timeline_clear_of_the_side_panels() {
    let v = Viewer::new(&[16, 16, 16], true, None);
    let mut h = harness_sized(v, egui::vec2(1024.0, 640.0));
    h.run();
    let right_panel = h.get_by_label("Show").rect().min.x;
    for label in ["loss", "accuracy", "learning rate", "regions"] {
        let r = h.get_by_label(label).rect();
        assert!(
            r.max.x < right_panel,
            "`{label}` ends at {} under the panel at {right_panel}",
            r.max.x
        );
    }
}

/// Zoomed in 2D, the region count is of the visible part, and says so; the inspector opens
/// in the view's corner, not over the middle where boundaries are clicked.
#[test]
fn the_status_says_when_regions_are_counted_in_view_and_the_inspector_keeps_clear() {
    let mut v = Viewer::new(&[16, 16, 16], true, Some(NeuronId { layer: 0, index: 2 }));
    let net = v.shown.network.clone().unwrap();
    v.shown.geometry = Some(Geometry::new(
        &net,
        Rect::new(0.25, 0.25, 0.5, 0.5).unwrap(),
    ));
    let mut h = harness(v);
    h.run();
    assert!(
        h.query_by_label_contains("linear regions in view")
            .is_some()
    );
    let window = h.get_by_label("Neuron").rect();
    // The view's left edge is the timeline's (the bottom panel spans the view's width).
    let view_left = h.get_by_label("snapshot").rect().min.x;
    assert!(
        window.min.x - view_left < 40.0 && window.min.y < 40.0,
        "the inspector opened at {window:?}, the view starts at x = {view_left}"
    );
    // Unzoomed: the plain count.
    h.state_mut().frame();
    h.run();
    assert!(
        h.query_by_label_contains("linear regions in view")
            .is_none()
    );
    assert!(h.query_by_label_contains("linear regions").is_some());
}

/// Choosing a point dataset in the run settings and applying trains on those points.
#[test]
fn the_run_settings_start_a_run_on_points() {
    let mut h = harness(Viewer::new(&[6, 5], true, None));
    h.run();
    click(&mut h, "Run settings");
    h.get_by_role(Role::ComboBox).click();
    h.run();
    click(&mut h, "xor points");
    click(&mut h, "Apply");
    step(&mut h);
    h.state_mut().sessions.active_mut().run.finish_evaluations();
    let s = h.state().sessions.active();
    let p = s.target.points().expect("a point dataset");
    assert_eq!(p.len(), ginn::targets::points::DEFAULT_COUNT);
    assert!(
        s.snapshots[0].test_accuracy.is_some(),
        "half the points are held out"
    );
    h.run();
    assert!(h.query_by_label_contains("500 points; x -6 to 6").is_some());
}

#[test]
fn clicking_a_phenomenon_selects_the_units_it_names() {
    use ginn::analysis::rows::rows;
    use ginn::analysis::{Episode, PairKind};
    let mut v = Viewer::new(&[8, 8], false, None);
    let run = v.sessions.active().to_run();
    let mut a = ginn::analysis::analyze(&run, &Default::default()).unwrap();
    // A copycat pair holding over the whole run, so the row names units at any snapshot.
    a.episodes.push(Episode {
        layer: 2,
        units: [3, 7],
        kind: PairKind::Copycat,
        from: 0,
        to: u64::MAX,
    });
    let k = v.sessions.active().shown_index();
    let named = rows(&a, k)
        .into_iter()
        .find(|r| r.name == "copycats")
        .unwrap()
        .units;
    assert!(named.contains(&NeuronId { layer: 1, index: 2 }));
    v.analysis = Some(a);
    let mut h = harness(v);
    step(&mut h);
    click(&mut h, "§7 copycats");
    step(&mut h);
    let sel = &h.state().selection;
    assert_eq!(sel.units(), named);
    assert_eq!(
        sel.neuron,
        named.first().copied(),
        "the inspector shows the first"
    );
    // Every row is drawn, with its verdict.
    for name in ["§5 bias first", "§7 copycats", "§9 symmetry", "§10 failure"] {
        assert!(h.query_by_label(name).is_some(), "no row {name}");
    }
    // A row that names no units switches its overlay on and says what it measures.
    assert!(!h.state().display.overlays.has("components"));
    click(&mut h, "§10 failure");
    step(&mut h);
    assert!(h.state().display.overlays.has("components"));
    assert!(
        h.query_by_label_contains("components the network leaves wrong")
            .is_some()
    );
    click(&mut h, "§5 bias first");
    step(&mut h);
    assert!(
        h.query_by_label_contains("before its weights turn it")
            .is_some()
    );
    // Clicking a unit in the view afterwards selects that one alone.
    h.state_mut()
        .selection
        .select(Some(NeuronId { layer: 0, index: 0 }));
    assert_eq!(h.state().selection.units().len(), 1);
}

/// The inspector is a window over the view: the view must not take a click on it.
#[test]
fn the_pointer_on_the_inspector_is_the_windows_not_the_views() {
    let v = Viewer::new(&[16, 16, 16], true, Some(NeuronId { layer: 0, index: 1 }));
    let mut h = harness(v);
    step(&mut h);
    step(&mut h);
    let on = h.get_by_label("layer 1 · unit 2").rect().center();
    h.input_mut().events.push(egui::Event::PointerMoved(on));
    step(&mut h);
    assert!(ginn::viewer::ui::pointer_on_window(&h.ctx));
    // Off the window (at the panels' edge, the background layer): not a window.
    h.input_mut()
        .events
        .push(egui::Event::PointerMoved(egui::pos2(3.0, 797.0)));
    step(&mut h);
    assert!(!ginn::viewer::ui::pointer_on_window(&h.ctx));
}

/// While training, status lines change (geometry computing, snapshots analysed, a
/// snapshot's loss pending): nothing below them moves, and the right panel keeps its width
/// when the surface options appear.
#[test]
fn panels_keep_their_layout_while_a_run_trains() {
    let mut v = Viewer::new(&[16, 16, 16], true, None);
    let run = v.sessions.active().to_run();
    v.analysis = Some(ginn::analysis::analyze(&run, &Default::default()).unwrap());
    v.analysed = (run.snapshots.len(), run.snapshots.len());
    let mut h = harness(v);
    step(&mut h);
    let places = |h: &Harness<'static, Viewer>| {
        (
            h.get_by_label("Run settings").rect(),
            h.get_by_label("Files").rect(),
            h.get_by_label("§7 copycats").rect(),
            h.get_by_label("Overlays").rect(),
        )
    };
    let before = places(&h);
    let central = h.state().central;
    h.state_mut().computing = true;
    h.state_mut().analysed = (1, 40);
    step(&mut h);
    assert_eq!(places(&h), before, "computing and analysing");
    h.state_mut().computing = false;
    h.state_mut().analysed = (40, 40);
    h.state_mut().display.surfaces.output = true;
    step(&mut h);
    step(&mut h);
    assert_eq!(
        h.state().central.max.x,
        central.max.x,
        "the right panel widened"
    );
}

/// The inspector opens in a corner of the view clear of the selected unit's boundary.
#[test]
fn the_inspector_opens_clear_of_the_selected_boundary() {
    let n = NeuronId { layer: 0, index: 1 };
    let mut v = Viewer::new(&[16, 16, 16], true, None);
    // The boundary across the view's top left.
    v.avoid = Some(egui::Rect::from_min_max(
        egui::pos2(260.0, 0.0),
        egui::pos2(600.0, 300.0),
    ));
    let mut h = harness(v);
    step(&mut h);
    h.state_mut().selection.select(Some(n));
    step(&mut h);
    step(&mut h);
    let window = h.get_by_label("layer 1 · unit 2").rect();
    let avoid = h.state().avoid.unwrap();
    assert!(!window.intersects(avoid), "{window:?} covers {avoid:?}");
    assert!(h.state().central.contains(window.center()));
    // Without a boundary on screen it opens top left, as before.
    let p = ginn::viewer::ui::inspector_corner(h.state().central, egui::vec2(340.0, 400.0), None);
    assert_eq!(p, h.state().central.min + egui::vec2(12.0, 12.0));
}
