//! The viewer: its systems in a headless `App`, and the real window under Xvfb with
//! Mesa's software Vulkan.

use super::common::*;
use bevy::prelude::*;
use ginn::run::session::Session;
use ginn::targets::Shape;
use ginn::train::{Settings, SnapshotPlan};
use ginn::viewer::boundaries::LayerLines;
use ginn::viewer::runs::apply;
use ginn::viewer::state::{Display, FrameBudget, Message, RunCommand, Sessions, Shown};
use std::time::Duration;

fn app(iterations_per_frame: u64) -> App {
    let settings = Settings {
        resolution: 32,
        iterations: 5000,
        batch: 32,
        snapshots: SnapshotPlan::Every(100),
        ..Settings::default()
    };
    app_with(settings, iterations_per_frame)
}

fn app_with(settings: Settings, iterations_per_frame: u64) -> App {
    let session = Session::new("test", settings, Shape::Bottle.draw(32)).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<GizmoAsset>();
    app.add_plugins(ginn::viewer::plugin);
    app.insert_resource(Sessions::new(session, iterations_per_frame));
    app.insert_resource(FrameBudget(Duration::from_secs(60)));
    app
}

/// The geometry the viewer shows now.
fn geometry(app: &App) -> ginn::geometry::Geometry {
    app.world()
        .resource::<Shown>()
        .geometry
        .as_ref()
        .unwrap()
        .clone()
}

/// A polyline as the viewer draws it: simplified below a fraction of a pixel.
fn simplified(g: &ginn::geometry::Geometry, p: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let side = (g.rect.x1 - g.rect.x0).max(g.rect.y1 - g.rect.y0);
    ginn::geometry::simplify(p, ginn::viewer::boundaries::DRAW_TOLERANCE * side)
}

/// Segments drawn per hidden layer, read back from the retained gizmo assets.
fn drawn_segments(app: &mut App) -> Vec<(usize, usize)> {
    let world = app.world_mut();
    let mut q = world.query::<(&LayerLines, &Gizmo)>();
    let items: Vec<(usize, Handle<GizmoAsset>)> = q
        .iter(world)
        .filter_map(|(l, g)| l.layer.map(|l| (l, g.handle.clone())))
        .collect();
    let assets = world.resource::<Assets<GizmoAsset>>();
    let mut out: Vec<(usize, usize)> = items
        .into_iter()
        .map(|(l, h)| (l, assets.get(&h).unwrap().buffer().list_positions.len() / 2))
        .collect();
    out.sort();
    out
}

#[test]
fn a_wide_net_keeps_frames_short_while_its_geometry_is_computed_off_the_frame() {
    use ginn::viewer::state::GeometryJob;
    // 4 × 256 units: its partition (~11,000 regions) takes far longer than a frame.
    let settings = Settings {
        resolution: 32,
        widths: vec![256; 4],
        iterations: 1000,
        batch: 16,
        snapshots: SnapshotPlan::Every(100),
        ..Settings::default()
    };
    let mut app = app_with(settings, 1);
    let (mut slowest, mut computing_frames) = (Duration::ZERO, 0);
    let start = std::time::Instant::now();
    while app.world().resource::<Shown>().geometry.is_none() {
        let t = std::time::Instant::now();
        app.update();
        slowest = slowest.max(t.elapsed());
        computing_frames += usize::from(app.world().resource::<GeometryJob>().computing());
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no geometry after 2 minutes"
        );
    }
    let g = geometry(&app);
    assert!(g.regions().len() > 1000, "{}", g.regions().len());
    assert!(computing_frames > 0, "the partition ran off the frame");
    // Its boundaries bend at every earlier boundary they cross, mostly far below a pixel:
    // drawn simplified, they are a fraction of the segments (each one a vertex of the
    // exact line), and what is drawn matches the gizmos.
    app.update();
    let (mut exact, mut drawn) = (0, 0);
    for p in g.boundaries.iter().flat_map(|b| &b.polylines) {
        let s = simplified(&g, p);
        assert!(s.iter().all(|v| p.contains(v)));
        exact += p.len() - 1;
        drawn += s.len() - 1;
    }
    assert!(drawn * 2 < exact, "{drawn} of {exact} segments drawn");
    let shown = geometry(&app);
    let in_gizmos: usize = drawn_segments(&mut app).iter().map(|x| x.1).sum();
    let want: usize = shown
        .boundaries
        .iter()
        .flat_map(|b| &b.polylines)
        .map(|p| simplified(&shown, p).len() - 1)
        .sum();
    assert_eq!(in_gizmos, want);
    // Frames go on (training one step each) while it computes. The budget is generous for
    // a loaded 2-core machine; computed in the frame it would take ~0.4 s or more.
    assert!(
        slowest < Duration::from_millis(100),
        "slowest frame {slowest:?}"
    );
    let trained = app.world().resource::<Sessions>().active().head_iteration();
    assert!(
        trained as usize >= computing_frames,
        "training kept its pace"
    );
}

/// `ginn view --widths 256,256,256,256` as a user starts it (the report's data, batch and
/// snapshot plan; the viewer's frame budget and iterations per frame): every frame from the
/// first is short — a step of this net takes tens of milliseconds, so training follows
/// its cost; each snapshot's evaluation over the 40,000 pixels (a second or more) and the
/// partition go off the frame — and a pause takes effect in the next frame.
#[test]
fn a_wide_net_stays_interactive_from_the_first_frame() {
    let settings = Settings {
        widths: vec![256; 4],
        ..Settings::default()
    };
    let mut app = app_with(settings, 200);
    app.insert_resource(FrameBudget::default());
    let (mut slowest, mut frames) = (Duration::ZERO, 0u32);
    // What would freeze the window is done off the frame: the partition (a task of the
    // geometry job) and the snapshots' evaluation (left pending for the worker). Checked
    // by what the frames left to others, not by the clock.
    let (mut geometry_off_frame, mut evaluation_off_frame) = (false, false);
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(4)
        || app.world().resource::<Shown>().geometry.is_none()
    {
        let t = std::time::Instant::now();
        app.update();
        slowest = slowest.max(t.elapsed());
        frames += 1;
        geometry_off_frame |= app
            .world()
            .resource::<ginn::viewer::state::GeometryJob>()
            .computing();
        evaluation_off_frame |= app
            .world()
            .resource::<Sessions>()
            .active()
            .evaluations_pending()
            > 0;
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no geometry after 2 minutes"
        );
    }
    eprintln!("4×256: {frames} frames, slowest {slowest:?}");
    assert!(geometry_off_frame, "the wide net's partition ran on a task");
    assert!(
        evaluation_off_frame,
        "snapshots were evaluated by the worker"
    );
    let s = app.world().resource::<Sessions>().active();
    assert!(s.head_iteration() > 10, "it trains: {}", s.head_iteration());
    assert!(
        s.snapshots.len() > 5,
        "the paper plan records early snapshots"
    );
    // Space: the next frame trains no more.
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .toggle_play();
    let head = app.world().resource::<Sessions>().active().head_iteration();
    app.update();
    app.update();
    assert_eq!(
        app.world().resource::<Sessions>().active().head_iteration(),
        head
    );
}

#[test]
fn training_advances_by_the_set_amount_each_frame() {
    let mut app = app(250);
    app.update();
    assert_eq!(
        app.world().resource::<Sessions>().active().head_iteration(),
        250
    );
    app.update();
    app.update();
    assert_eq!(
        app.world().resource::<Sessions>().active().head_iteration(),
        750
    );
    assert_eq!(app.world().resource::<Shown>().iteration, 750);
}

#[test]
fn boundary_lines_match_the_geometry_and_follow_training() {
    let mut app = app(300);
    app.update();
    app.update();
    let expected = |app: &App| {
        let g = geometry(app);
        (0..3)
            .map(|l| {
                (
                    l,
                    g.boundaries
                        .iter()
                        .filter(|b| b.neuron.layer == l)
                        .flat_map(|b| &b.polylines)
                        .map(|p| simplified(&g, p).len() - 1)
                        .sum::<usize>(),
                )
            })
            .collect::<Vec<_>>()
    };
    let want = expected(&app);
    assert!(want.iter().map(|w| w.1).sum::<usize>() > 10);
    assert_eq!(drawn_segments(&mut app), want);
    // Lines are rebuilt as the weights change.
    app.update();
    app.update();
    assert_eq!(drawn_segments(&mut app), expected(&app));
}

#[test]
fn hiding_a_layer_or_a_unit_removes_its_lines() {
    let mut app = app(300);
    app.update();
    app.update();
    app.world_mut()
        .resource_mut::<Display>()
        .layers
        .set(1, false);
    app.update();
    let layers: Vec<usize> = drawn_segments(&mut app).iter().map(|x| x.0).collect();
    assert_eq!(layers, vec![0, 2]);
    let before = drawn_segments(&mut app)[0].1;
    let g = geometry(&app);
    let unit = g
        .boundaries
        .iter()
        .find(|b| b.neuron.layer == 0 && !b.polylines.is_empty())
        .unwrap();
    let own: usize = unit.polylines.iter().map(|p| p.len() - 1).sum();
    {
        let mut d = app.world_mut().resource_mut::<Display>();
        d.hidden_units.insert(unit.neuron);
    }
    // Pause so the geometry stays the same while we compare.
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .playing = false;
    app.update();
    assert_eq!(drawn_segments(&mut app)[0].1, before - own);
}

#[test]
fn opening_a_bad_file_is_a_message_and_changes_nothing() {
    let dir = temp_dir("bad-open");
    let p = dir.join("bad.ginn.json");
    std::fs::write(&p, "{ not json").unwrap();
    let mut sessions = app(10).world_mut().remove_resource::<Sessions>().unwrap();
    let m = apply(&mut sessions, RunCommand::Open(p.clone()));
    assert!(
        m.is_error() && m.to_string().contains("bad.ginn.json"),
        "{m}"
    );
    assert_eq!((sessions.list.len(), sessions.active), (1, 0));
    let m = apply(&mut sessions, RunCommand::Save(dir.join("ok.ginn.json")));
    assert!(!m.is_error(), "{m}");
    let m = apply(&mut sessions, RunCommand::Open(dir.join("ok.ginn.json")));
    // Named by the file, not its whole path.
    assert_eq!(
        m,
        Message::Opened {
            name: "ok.ginn.json".into()
        }
    );
    assert_eq!((sessions.list.len(), sessions.active), (2, 1));
    assert_eq!(sessions.active().name, "ok.ginn.json");
}

#[test]
fn saving_to_a_bad_path_goes_to_a_fallback_file_and_says_where() {
    let dir = temp_dir("save-fallback");
    std::fs::write(dir.join("file"), b"x").unwrap();
    let mut app = app(100);
    app.update();
    let mut sessions = app.world_mut().remove_resource::<Sessions>().unwrap();
    let bad = dir.join("file/run.ginn.json");
    let m = apply(&mut sessions, RunCommand::Save(bad));
    let msg = m.to_string();
    assert!(m.is_error() && msg.contains("saved to"), "{msg}");
    let fallback = msg
        .rsplit("saved to ")
        .next()
        .unwrap()
        .trim_end_matches(" instead");
    let run = ginn::run::Run::load(std::path::Path::new(fallback)).unwrap();
    assert_eq!(run.last().iteration, 100);
    std::fs::remove_file(fallback).unwrap();
}

#[test]
fn closing_the_window_autosaves_unsaved_training_and_only_that() {
    use bevy::window::WindowCloseRequested;
    use ginn::viewer::autosave::{AutosaveDir, Autosaved};
    let dir = temp_dir("autosave");
    let mut app = app(120);
    app.add_plugins(ginn::viewer::autosave::plugin);
    app.insert_resource(AutosaveDir(dir.clone()));
    app.update();
    app.update();
    assert!(
        ginn::run::autosave::list(&dir).is_empty(),
        "nothing written while running"
    );
    app.world_mut().write_message(WindowCloseRequested {
        window: Entity::PLACEHOLDER,
    });
    app.update();
    let written = app.world().resource::<Autosaved>().0.clone();
    assert_eq!(written.len(), 1);
    assert_eq!(ginn::run::autosave::list(&dir), written);
    let run = ginn::run::Run::load(&written[0]).unwrap();
    let head = app.world().resource::<Sessions>().active().head_iteration();
    assert!(run.last().iteration >= 240 && run.last().iteration <= head);
    assert!(
        run.resumable(),
        "an autosave continues with ginn train --resume"
    );
    // The same run, nothing new since: a second close writes nothing more.
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .playing = false;
    app.world_mut().write_message(WindowCloseRequested {
        window: Entity::PLACEHOLDER,
    });
    app.update();
    assert_eq!(ginn::run::autosave::list(&dir).len(), 1);
}

/// An app that trains with the autosave plugin, writing into a folder of its own.
fn autosaving_app(name: &str) -> (App, std::path::PathBuf) {
    use ginn::viewer::autosave::AutosaveDir;
    let dir = temp_dir(name);
    let mut app = app(120);
    app.add_plugins(ginn::viewer::autosave::plugin);
    app.insert_resource(AutosaveDir(dir.clone()));
    app.update();
    app.update();
    assert!(ginn::run::autosave::list(&dir).is_empty());
    (app, dir)
}

#[test]
fn any_ending_of_the_app_autosaves_unsaved_training() {
    // Dropped without a close (a destroyed window, a render error: Bevy quits after the
    // frame's last system has run).
    let (app, dir) = autosaving_app("autosave-drop");
    let head = app.world().resource::<Sessions>().active().head_iteration();
    drop(app);
    let saved = ginn::run::autosave::list(&dir);
    assert_eq!(saved.len(), 1);
    assert_eq!(
        ginn::run::Run::load(&saved[0]).unwrap().last().iteration,
        head
    );

    // A panic in a system, unwinding through the frame.
    #[derive(Resource)]
    struct Explode;
    let (mut app, dir) = autosaving_app("autosave-panic");
    app.add_systems(Update, |e: Option<Res<Explode>>| {
        assert!(e.is_none(), "a system panics");
    });
    app.insert_resource(Explode);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || app.update()));
    assert!(result.is_err());
    assert_eq!(ginn::run::autosave::list(&dir).len(), 1);

    // A SIGTERM or SIGHUP (as its handler records it): the app exits, saving first.
    let (mut app, dir) = autosaving_app("autosave-signal");
    let signals = app
        .world()
        .resource::<ginn::viewer::autosave::TermSignals>()
        .clone();
    signals.0.store(15, std::sync::atomic::Ordering::Relaxed);
    app.update();
    assert_eq!(ginn::run::autosave::list(&dir).len(), 1);
    assert_eq!(app.should_exit(), Some(AppExit::from_code(143)));
    drop(app);
    assert_eq!(ginn::run::autosave::list(&dir).len(), 1, "saved once");

    // Scripted runs end by design and write nothing.
    let (mut app, dir) = autosaving_app("autosave-scripted");
    app.insert_resource(ginn::viewer::state::Script {
        frames: Some(3),
        screenshot: None,
        done: false,
    });
    app.update();
    drop(app);
    assert!(ginn::run::autosave::list(&dir).is_empty());
}

#[test]
fn sigterm_to_a_live_viewer_autosaves_and_exits_143() {
    let Some(icd) = display_stack() else { return };
    let dir = temp_dir("sigterm-window");
    // Our own Xvfb (xvfb-run would stand between the signal and the viewer).
    let mut xvfb = std::process::Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1024x640x24"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut display = String::new();
    {
        use std::io::BufRead;
        let out = xvfb.stdout.take().unwrap();
        std::io::BufReader::new(out)
            .read_line(&mut display)
            .unwrap();
    }
    let mut viewer = std::process::Command::new(env!("CARGO_BIN_EXE_ginn"))
        .args(["view", "--iterations", "200000", "--size", "1024x640"])
        .env("DISPLAY", format!(":{}", display.trim()))
        .env("WGPU_BACKEND", "vulkan")
        .env("VK_ICD_FILENAMES", icd)
        .env("GINN_AUTOSAVE_DIR", &dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(12));
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(viewer.id() as i32, libc::SIGTERM) };
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = viewer.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = viewer.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let mut err = String::new();
    use std::io::Read;
    viewer
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = status.expect("the viewer ends after SIGTERM");
    assert_eq!(status.code(), Some(143), "{err}");
    let saved = ginn::run::autosave::list(&dir);
    assert_eq!(saved.len(), 1, "{err}");
    let run = ginn::run::Run::load(&saved[0]).unwrap();
    assert!(run.last().iteration > 0 && run.resumable(), "{err}");
    assert!(err.contains("ginn view --recover"), "{err}");
}

/// A PyTorch run followed live: a process writes checkpoints (one of them first half-way,
/// in place) while the viewer follows the folder; each appears once, in order, and the
/// view stays on the newest.
#[test]
fn a_followed_folder_shows_each_checkpoint_once_in_order() {
    use ginn::nn::{Architecture, Network};
    use ginn::pytorch::follow::Follow;
    use ginn::pytorch::{ImportOptions, export};
    use ginn::viewer::follow::Following;
    use rand::SeedableRng;
    let dir = temp_dir("follow");
    let checkpoint = |seed: u64| {
        let net = Network::init(
            Architecture::new(&[6, 6]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        );
        export(&net)
    };
    std::fs::write(dir.join("step_100.safetensors"), checkpoint(1)).unwrap();
    let mut follow = Follow::new(
        &dir,
        ImportOptions {
            layers: None,
            activation: None,
            target: ginn::targets::TargetSource::None,
            resolution: 16,
            domain: None,
        },
    );
    let first = follow.look(None);
    let session = Session::from_run("followed", first.run.unwrap());
    let id = session.id;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<GizmoAsset>();
    app.add_plugins((ginn::viewer::plugin, ginn::viewer::follow::plugin));
    app.insert_resource(Sessions::new(session, 1));
    let mut following = Following::new(follow, id);
    following.every = Duration::from_millis(20);
    app.insert_resource(following);
    let writer_dir = dir.clone();
    let writer = std::thread::spawn(move || {
        for k in 2..=6u64 {
            std::thread::sleep(Duration::from_millis(60));
            let bytes = checkpoint(k);
            let path = writer_dir.join(format!("step_{}.safetensors", 100 * k));
            if k == 4 {
                // Written in place, slowly: half of it first.
                std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
                std::thread::sleep(Duration::from_millis(120));
                std::fs::write(&path, &bytes).unwrap();
            } else {
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, &bytes).unwrap();
                std::fs::rename(&tmp, &path).unwrap();
            }
        }
    });
    let start = std::time::Instant::now();
    while app.world().resource::<Sessions>().active().snapshots.len() < 6 {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
        assert!(start.elapsed() < Duration::from_secs(30), "not all arrived");
    }
    writer.join().unwrap();
    for _ in 0..10 {
        app.update();
    }
    let s = app.world().resource::<Sessions>().active();
    let its: Vec<u64> = s.snapshots.iter().map(|x| x.iteration).collect();
    assert_eq!(its, [100, 200, 300, 400, 500, 600]);
    assert_eq!(s.shown_index(), 5, "the view follows the newest");
}

/// Xvfb and Mesa's lavapipe, if installed: under CI they must be (`.ci/run` installs them);
/// elsewhere the window tests are skipped with a note.
fn display_stack() -> Option<&'static str> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let icd = [
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
        "/usr/share/vulkan/icd.d/lvp_icd.aarch64.json",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists());
    let xvfb = std::process::Command::new("xvfb-run")
        .arg("--help")
        .output()
        .is_ok();
    match (icd, xvfb) {
        (Some(icd), true) => Some(icd),
        _ => {
            assert!(
                !ci,
                "CI=true but Xvfb or Mesa's lavapipe is missing (.ci/run installs xvfb and mesa-vulkan-drivers)"
            );
            eprintln!("skipping: xvfb-run or Mesa lavapipe not installed");
            None
        }
    }
}

fn viewer_under_xvfb(icd: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            env!("CARGO_BIN_EXE_ginn"),
            "view",
        ])
        .args(args)
        .env("WGPU_BACKEND", "vulkan")
        .env("VK_ICD_FILENAMES", icd)
        .output()
        .unwrap()
}

#[test]
fn recording_captures_one_frame_per_step_and_encodes_a_gif() {
    let Some(icd) = display_stack() else { return };
    let dir = temp_dir("record");
    let rec = dir.join("rec");
    let args = [
        "--view",
        "2d",
        "--record",
        rec.to_str().unwrap(),
        "--record-frames",
        "6",
        "--iterations",
        "20000",
        "--iterations-per-frame",
        "300",
    ];
    let out = viewer_under_xvfb(icd, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let pngs = std::fs::read_dir(&rec)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("frame_")
        })
        .count();
    assert_eq!(pngs, 6);
    let file = std::io::BufReader::new(std::fs::File::open(rec.join("movie.gif")).unwrap());
    let frames =
        image::AnimationDecoder::into_frames(image::codecs::gif::GifDecoder::new(file).unwrap())
            .collect_frames()
            .unwrap();
    assert_eq!(frames.len(), 6);
    assert_eq!(frames[0].buffer().width(), 800);
}

/// The real viewer under Xvfb + lavapipe: renders, saves a screenshot, and the picture
/// shows the prediction and every layer's colour.
#[test]
fn viewer_renders_a_screenshot_under_xvfb() {
    let Some(icd) = display_stack() else { return };
    let dir = temp_dir("xvfb");
    for (view, name) in [("2d", "shot2d.png"), ("3d", "shot3d.png")] {
        let shot = dir.join(name);
        let args = [
            "--view",
            view,
            "--frames",
            "20",
            "--iterations",
            "20000",
            "--iterations-per-frame",
            "1000",
            "--screenshot",
            shot.to_str().unwrap(),
        ];
        let out = viewer_under_xvfb(icd, &args);
        assert!(out.status.success(), "viewer failed: {}", stderr(&out));
        let img = image::open(&shot).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (1280, 800));
        // The prediction: grey-to-black (the bottle) and white pixels in the view's middle.
        let (mut dark, mut light) = (0, 0);
        for y in 250..550 {
            for x in 450..850 {
                let p = img.get_pixel(x, y);
                let grey = (p[0] as i32 - p[1] as i32).abs() < 12
                    && (p[1] as i32 - p[2] as i32).abs() < 12;
                let v = p[0] as u32 + p[1] as u32 + p[2] as u32;
                dark += usize::from(grey && v < 450);
                light += usize::from(grey && v > 690);
            }
        }
        assert!(
            dark > 500 && light > 500,
            "{view}: prediction not visible (dark {dark}, light {light})"
        );
        for l in 0..3 {
            let c = ginn::render::layer_color(l);
            let n = img
                .pixels()
                .filter(|p| (0..3).all(|k| (p[k] as i32 - c[k] as i32).abs() <= 40))
                .count();
            assert!(n > 50, "{view}: layer {} colour has {n} pixels", l + 1);
        }
    }
}

mod picking {
    use bevy::prelude::*;
    use ginn::geometry::{Geometry, Rect};
    use ginn::nn::{Architecture, Network, NeuronId};
    use ginn::viewer::picking::{PickCamera, click, pick};
    use ginn::viewer::state::{Display, Selection, UiArea, ViewState};
    use ginn::viewer::{View, layer_height, world};
    use rand::SeedableRng;

    fn net() -> Network {
        let mut n = Network::init(
            Architecture::paper(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(5),
        );
        n.params.iter_mut().for_each(|p| *p *= 2.0);
        n
    }

    /// The camera a view state gives, on an 800×600 viewport at (250, 0).
    fn camera(mode: View) -> PickCamera {
        let view = ViewState::new(mode);
        let (tf, mut proj) = view.pose();
        proj.update(800.0, 600.0);
        let clip_from_world = proj.get_clip_from_view() * tf.to_matrix().inverse();
        PickCamera {
            clip_from_world,
            viewport_min: Vec2::new(250.0, 0.0),
            viewport_size: Vec2::new(800.0, 600.0),
        }
    }

    /// A point on neuron `n`'s boundary, away from its ends.
    fn on_boundary(g: &Geometry, n: NeuronId) -> Option<[f64; 2]> {
        let line = g
            .boundary(n)
            .polylines
            .iter()
            .max_by(|a, b| a.len().cmp(&b.len()))?;
        let (a, b) = (
            line[line.len() / 2 - 1 + line.len() % 2],
            line[line.len() / 2],
        );
        let (a, b) = if a == b { (line[0], line[1]) } else { (a, b) };
        Some([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0])
    }

    #[test]
    fn a_click_on_a_boundary_selects_its_neuron_in_both_views() {
        let net = net();
        let g = Geometry::new(&net, Rect::UNIT);
        let display = Display::default();
        for (mode, lift) in [(View::ThreeD, 1.0), (View::TwoD, 0.0)] {
            let cam = camera(mode);
            let mut checked = 0;
            for n in net.arch.neurons() {
                let Some(p) = on_boundary(&g, n) else {
                    continue;
                };
                let cursor = cam.project(world(p, layer_height(n.layer) * lift));
                let inside = cursor.cmpge(cam.viewport_min).all()
                    && cursor.cmplt(cam.viewport_min + cam.viewport_size).all();
                if !inside {
                    continue;
                }
                // Where another visible boundary passes within a pixel, either may win.
                let got = pick(&cam, cursor, &g, &display, lift);
                let ambiguous = net.arch.neurons().filter(|&m| m != n).any(|m| {
                    let h = layer_height(m.layer) * lift;
                    g.boundary(m)
                        .polylines
                        .iter()
                        .flat_map(|l| l.windows(2))
                        .any(|w| {
                            let (a, b) = (cam.project(world(w[0], h)), cam.project(world(w[1], h)));
                            let t = ((cursor - a).dot(b - a) / (b - a).length_squared().max(1e-9))
                                .clamp(0.0, 1.0);
                            (a + (b - a) * t).distance(cursor) < 1.0
                        })
                });
                if !ambiguous {
                    assert_eq!(
                        got,
                        Some(n),
                        "{mode:?}: clicking {n:?}'s boundary at {cursor}"
                    );
                    checked += 1;
                }
            }
            assert!(
                checked >= 12,
                "{mode:?}: only {checked} unambiguous neurons"
            );
        }
    }

    #[test]
    fn empty_space_clears_and_panels_never_pick() {
        let net = net();
        let g = Geometry::new(&net, Rect::UNIT);
        let display = Display::default();
        let cam = camera(View::TwoD);
        let n = NeuronId { layer: 0, index: 3 };
        let p = on_boundary(&g, n).unwrap();
        let on_line = cam.project(world(p, 0.0));
        let area = UiArea {
            min: Vec2::new(250.0, 0.0),
            max: Vec2::new(1050.0, 600.0),
            keyboard_free: true,
            ..Default::default()
        };
        let mut sel = Selection::default();
        click(&mut sel, &area, &cam, on_line, &g, &display, 0.0);
        assert!(sel.neuron.is_some());
        // Over the left panel: nothing changes.
        let before = sel.clone();
        click(
            &mut sel,
            &area,
            &cam,
            Vec2::new(100.0, on_line.y),
            &g,
            &display,
            0.0,
        );
        assert_eq!(sel, before);
        // Outside the square (empty space): cleared.
        click(
            &mut sel,
            &area,
            &cam,
            Vec2::new(255.0, 5.0),
            &g,
            &display,
            0.0,
        );
        assert_eq!(sel.neuron, None);
        // Hidden units cannot be picked.
        let mut hidden = display.clone();
        hidden.layers.set(0, false);
        hidden.layers.set(1, false);
        hidden.layers.set(2, false);
        assert_eq!(pick(&cam, on_line, &g, &hidden, 0.0), None);
    }

    #[test]
    fn the_inspector_reports_the_cores_numbers() {
        let net = net();
        let g = Geometry::new(&net, Rect::UNIT);
        let n = NeuronId { layer: 1, index: 4 };
        let r = ginn::inspect::report(&net, &g, n);
        let s = g.neuron_stats(n);
        assert_eq!(
            (r.active_fraction, r.boundary_length, r.pieces),
            (s.active_fraction, s.boundary_length, s.pieces)
        );
        assert_eq!(r.incoming, net.incoming(n));
        assert_eq!(r.bias, net.bias(1)[4]);
    }
}

#[test]
fn zooming_in_2d_narrows_the_geometry_to_the_visible_rectangle() {
    use ginn::viewer::View;
    use ginn::viewer::state::{ViewState, ZoomRect};
    let mut view = ViewState::new(View::TwoD);
    assert_eq!(view.visible_rect(1.0), ginn::geometry::Rect::UNIT);
    view.height_2d = ginn::viewer::WORLD_SIZE * 0.25;
    view.centre_2d = Vec2::new(0.5, -0.5);
    let r = view.visible_rect(1.0);
    assert!(
        (r.x1 - r.x0 - 0.25).abs() < 1e-6 && (r.y1 - r.y0 - 0.25).abs() < 1e-6,
        "{r:?}"
    );
    assert!(
        (r.x0 + r.x1) / 2.0 > 0.5 && (r.y0 + r.y1) / 2.0 < 0.5,
        "centre follows the pan: {r:?}"
    );
    // The geometry is rebuilt for that rectangle.
    let mut app = app(100);
    app.world_mut().insert_resource(ZoomRect(r));
    app.update();
    let shown = app.world().resource::<Shown>();
    assert_eq!(shown.geometry.as_ref().unwrap().rect, r);
    // 3D always shows the whole square.
    assert_eq!(
        ViewState::new(View::ThreeD).visible_rect(1.0),
        ginn::geometry::Rect::UNIT
    );
}

#[test]
fn without_a_display_the_viewer_says_so_and_names_the_headless_commands() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ginn"))
        .args(["view", "--iterations", "10"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no display") && err.contains("ginn render") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn selection_survives_training_but_not_a_run_without_that_unit() {
    use ginn::nn::NeuronId;
    use ginn::viewer::state::Selection;
    let mut app = app(100);
    let n = NeuronId {
        layer: 2,
        index: 15,
    };
    app.world_mut().resource_mut::<Selection>().neuron = Some(n);
    app.update();
    app.update();
    assert_eq!(
        app.world().resource::<Selection>().neuron,
        Some(n),
        "kept while training"
    );
    let settings = Settings {
        resolution: 16,
        iterations: 100,
        batch: 8,
        widths: vec![4, 4],
        ..Settings::default()
    };
    let smaller = Session::new("small", settings, Shape::Disc.draw(16)).unwrap();
    app.world_mut().resource_mut::<Sessions>().push(smaller);
    app.update();
    assert_eq!(
        app.world().resource::<Selection>().neuron,
        None,
        "dropped: the new run has no layer-3 unit 16"
    );
}

/// The scene's planes in a headless app: toggling "shade regions" while paused shades the
/// planes and unshades them again (the cache once keyed on a sum that came out equal).
#[test]
fn shading_turns_on_and_off_while_paused() {
    use ginn::viewer::scene::LayerPlane;
    let mut app = app(50);
    app.init_asset::<Image>();
    app.init_asset::<Mesh>();
    app.init_asset::<ginn::viewer::state::FlatMaterial>();
    app.add_plugins(ginn::viewer::scene::plugin);
    app.update();
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .playing = false;
    app.update();
    let plane_alpha = |app: &mut App| -> u32 {
        let world = app.world_mut();
        let mut q = world.query::<&LayerPlane>();
        let handles: Vec<Handle<Image>> = q
            .iter(world)
            .filter(|p| p.layer == 0)
            .map(|p| p.image.clone())
            .collect();
        let images = world.resource::<Assets<Image>>();
        let data = images.get(&handles[0]).unwrap().data.as_ref().unwrap();
        data.chunks_exact(4).map(|px| px[3] as u32).sum::<u32>() / (data.len() as u32 / 4)
    };
    let plain = plane_alpha(&mut app);
    for round in 0..2 {
        app.world_mut().resource_mut::<Display>().shade_regions = true;
        app.update();
        let on = plane_alpha(&mut app);
        assert!(
            on > plain,
            "round {round}: shading on gives alpha {on}, plain {plain}"
        );
        app.world_mut().resource_mut::<Display>().shade_regions = false;
        app.update();
        assert_eq!(plane_alpha(&mut app), plain, "round {round}: shading off");
    }
}

#[test]
fn status_messages_expire() {
    use ginn::viewer::state::Status;
    let mut s = Status::default();
    s.show(
        Message::Opened { name: "a".into() },
        Duration::from_secs(10),
    );
    assert!(s.at(Duration::from_secs(12)).is_some());
    assert!(s.at(Duration::from_secs(30)).is_none());
    s.show(Message::Failed("bad".into()), Duration::from_secs(30));
    assert!(
        s.at(Duration::from_secs(40)).is_some(),
        "errors stay longer"
    );
    assert!(s.at(Duration::from_secs(60)).is_none());
}

#[test]
fn every_key_press_counts_even_several_in_one_frame() {
    use bevy::input::ButtonState;
    use bevy::input::keyboard::{Key, KeyboardInput};
    let mut app = app(100);
    app.add_message::<KeyboardInput>();
    app.add_plugins(ginn::viewer::ui::keys_plugin);
    for _ in 0..8 {
        app.update();
    }
    let press = |app: &mut App, key_code: KeyCode, repeat: bool| {
        app.world_mut().write_message(KeyboardInput {
            key_code,
            logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
            state: ButtonState::Pressed,
            text: None,
            repeat,
            window: Entity::PLACEHOLDER,
        });
    };
    // Pause, then go back to the last snapshot.
    press(&mut app, KeyCode::Space, false);
    press(&mut app, KeyCode::ArrowLeft, false);
    app.update();
    let at = |app: &App| app.world().resource::<Sessions>().active().shown_index();
    let start = at(&app);
    assert!(start >= 3, "{start}");
    // Three presses within one frame step three snapshots back.
    for _ in 0..3 {
        press(&mut app, KeyCode::ArrowLeft, false);
    }
    app.update();
    assert_eq!(at(&app), start - 3);
    // An arrow's auto-repeat steps on; Space's does not toggle again.
    press(&mut app, KeyCode::ArrowRight, true);
    app.update();
    assert_eq!(at(&app), start - 2);
    press(&mut app, KeyCode::Space, false);
    press(&mut app, KeyCode::Space, true);
    app.update();
    assert!(app.world().resource::<Sessions>().active().playing);
}

#[test]
fn runs_with_the_same_name_are_told_apart_in_the_run_list() {
    let mut app = app(10);
    let mut sessions = app.world_mut().resource_mut::<Sessions>();
    let twin = Session::new(
        "test",
        Settings {
            resolution: 32,
            iterations: 5000,
            lr: 3e-3,
            ..Settings::default()
        },
        Shape::Bottle.draw(32),
    )
    .unwrap();
    sessions.push(twin);
    assert_eq!(sessions.labels(), ["test (1)", "test (2)"]);
    let (a, b) = (
        Sessions::describe(&sessions.list[0]),
        Sessions::describe(&sessions.list[1]),
    );
    assert!(a != b && b.contains("lr 0.003"), "{a} / {b}");
}

/// Recording the view alone draws nothing over it; the window title counts the frames.
#[test]
fn recording_counts_frames_in_the_window_title() {
    use ginn::viewer::state::Recorder;
    let dir = temp_dir("title");
    let mut app = app(10);
    app.init_resource::<ButtonInput<KeyCode>>();
    app.add_plugins(ginn::viewer::recording::plugin);
    app.world_mut().spawn((
        bevy::window::Window {
            title: "ginn".into(),
            ..default()
        },
        bevy::window::PrimaryWindow,
    ));
    {
        let mut rec = app.world_mut().resource_mut::<Recorder>();
        rec.dir = dir.display().to_string();
        rec.start();
    }
    app.update();
    let title = |app: &mut App| {
        let world = app.world_mut();
        let mut q = world.query::<&bevy::window::Window>();
        q.single(world).unwrap().title.clone()
    };
    assert!(
        title(&mut app).starts_with("● recording 0"),
        "{}",
        title(&mut app)
    );
    app.world_mut().resource_mut::<Recorder>().active = false;
    app.update();
    assert_eq!(title(&mut app), "ginn — test");
    // The title follows the shown run.
    app.world_mut().resource_mut::<Sessions>().active_mut().name = "another".into();
    app.update();
    assert_eq!(title(&mut app), "ginn — another");
}

#[test]
fn layer_space_shows_the_folded_square_on_its_own_render_layer_and_follows_training() {
    use bevy::camera::visibility::RenderLayers;
    use ginn::viewer::View;
    use ginn::viewer::layer_space::SheetMark;
    use ginn::viewer::state::{MainCamera, ViewState};
    let mut app = app(100);
    app.init_asset::<Mesh>();
    app.init_asset::<ginn::viewer::state::FlatMaterial>();
    app.init_asset::<Image>();
    app.add_plugins(ginn::viewer::layer_space::plugin);
    app.insert_resource(ViewState::new(View::LayerSpace));
    let camera = app.world_mut().spawn(MainCamera).id();
    app.update();
    app.update();
    let facets = |app: &mut App| -> Vec<usize> {
        let world = app.world_mut();
        let mut q = world.query_filtered::<&Mesh3d, With<SheetMark>>();
        let handles: Vec<Handle<Mesh>> = q.iter(world).map(|m| m.0.clone()).collect();
        let meshes = world.resource::<Assets<Mesh>>();
        handles
            .iter()
            .map(|h| meshes.get(h).unwrap().count_vertices() / 3)
            .collect()
    };
    // The sheet: one triangle fan per region of the shown geometry; and the decision plane
    // (auto axes at the last hidden layer are decision axes).
    let geom = geometry(&app);
    let triangles: usize = geom
        .regions()
        .iter()
        .map(|r| geom.vertex_ids(r).len() - 2)
        .sum();
    let mut got = facets(&mut app);
    got.sort();
    assert_eq!(got.len(), 2, "the sheet and the decision plane: {got:?}");
    assert_eq!(*got.last().unwrap(), triangles);
    assert_eq!(
        app.world().get::<RenderLayers>(camera),
        Some(&RenderLayers::layer(1)),
        "the camera sees the layer-space entities"
    );
    // Training goes on: the sheet follows the new geometry.
    let before = geometry(&app).regions().len();
    for _ in 0..5 {
        app.update();
    }
    let after = geometry(&app);
    let t: usize = after
        .regions()
        .iter()
        .map(|r| after.vertex_ids(r).len() - 2)
        .sum();
    assert!(
        facets(&mut app).contains(&t),
        "rebuilt for the new geometry ({before} → {} regions)",
        after.regions().len()
    );
    // A point of the sheet gives back its input point: the centre of a drawn triangle, met
    // by a ray along its normal from just above it, is the centre of the triangle's input
    // corners (unless another fold of the sheet lies within that hair: rare, so nearly all).
    {
        let pick = app.world().resource::<ginn::viewer::state::SheetPick>();
        let (mut checked, mut right) = (0, 0);
        for (w, input) in pick.triangles().iter().step_by(7) {
            let n = (w[1] - w[0]).cross(w[2] - w[0]);
            if n.length() < 1e-3 {
                continue;
            }
            let c = (w[0] + w[1] + w[2]) / 3.0;
            let ray = Ray3d::new(c + n.normalize() * 1e-5, Dir3::new(-n).unwrap());
            let got = pick.point_under(ray).expect("a hit");
            let want = [0, 1].map(|k| (input[0][k] + input[1][k] + input[2][k]) / 3.0);
            checked += 1;
            right +=
                usize::from((got[0] - want[0]).abs() < 1e-3 && (got[1] - want[1]).abs() < 1e-3);
        }
        assert!(
            checked > 10 && right * 10 >= checked * 9,
            "{right} of {checked}"
        );
    }
    // Between layers (a morph) there is no decision plane; back in 3D the sheet is gone.
    app.world_mut()
        .resource_mut::<ViewState>()
        .layer_space
        .layer = 0.5;
    app.update();
    assert_eq!(facets(&mut app).len(), 1);
    app.world_mut().resource_mut::<ViewState>().mode = View::ThreeD;
    app.update();
    app.update();
    assert!(facets(&mut app).is_empty());
    assert_eq!(
        app.world().get::<RenderLayers>(camera),
        Some(&RenderLayers::layer(0))
    );
}

/// Smooth edges (multisampling) follow the Show panel's setting; a headless app (no
/// software renderer) starts with them on.
#[test]
fn smooth_edges_follow_the_display_setting() {
    use ginn::viewer::state::MainCamera;
    let mut app = app(0);
    app.add_systems(Startup, ginn::viewer::camera::choose_smoothing);
    app.add_systems(Update, ginn::viewer::camera::apply_smoothing);
    let camera = app.world_mut().spawn((MainCamera, Msaa::Off)).id();
    app.update();
    assert!(app.world().resource::<Display>().smooth_edges);
    assert_eq!(app.world().get::<Msaa>(camera), Some(&Msaa::Sample4));
    app.world_mut().resource_mut::<Display>().smooth_edges = false;
    app.update();
    assert_eq!(app.world().get::<Msaa>(camera), Some(&Msaa::Off));
}

/// While it trains (or the 2D/3D switch runs) the window redraws every frame; paused and
/// still, only on input or after a short wait, leaving the processor to the work off the
/// frame.
#[test]
fn an_idle_window_redraws_only_on_input() {
    use bevy::winit::{UpdateMode, WinitSettings};
    use ginn::viewer::View;
    use ginn::viewer::pace::IDLE_WAIT;
    use ginn::viewer::state::ViewState;
    let mut app = app(10);
    app.insert_resource(WinitSettings::continuous());
    app.insert_resource(ViewState::new(View::ThreeD));
    app.add_plugins(ginn::viewer::pace::plugin);
    let mode = |app: &App| app.world().resource::<WinitSettings>().focused_mode;
    app.update();
    assert_eq!(mode(&app), UpdateMode::Continuous, "training");
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .toggle_play();
    app.update();
    assert_eq!(mode(&app), UpdateMode::reactive(IDLE_WAIT), "paused");
    app.world_mut().resource_mut::<ViewState>().toggle();
    app.update();
    assert_eq!(mode(&app), UpdateMode::Continuous, "the 2D/3D switch");
    app.world_mut().resource_mut::<ViewState>().blend = 1.0;
    app.update();
    assert_eq!(mode(&app), UpdateMode::reactive(IDLE_WAIT), "in 2D, still");
}

/// A left drag orbits the 3D view from how far the cursor moved when the system reports no
/// raw mouse motion (virtual and remote displays: Xvfb, VNC), as well as from raw motion.
#[test]
fn a_drag_orbits_with_or_without_raw_mouse_motion() {
    use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
    use bevy::window::{CursorMoved, PrimaryWindow};
    use ginn::viewer::View;
    use ginn::viewer::state::{UiArea, ViewState};
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    app.init_resource::<ButtonInput<KeyCode>>();
    app.init_resource::<ButtonInput<MouseButton>>();
    app.init_resource::<AccumulatedMouseMotion>();
    app.init_resource::<AccumulatedMouseScroll>();
    app.init_resource::<UiArea>();
    app.add_message::<CursorMoved>();
    app.insert_resource(ViewState::new(View::ThreeD));
    app.add_systems(Update, ginn::viewer::camera::camera_input);
    let mut window = Window::default();
    window.set_cursor_position(Some(Vec2::new(300.0, 200.0)));
    let window = app.world_mut().spawn((window, PrimaryWindow)).id();
    app.world_mut()
        .resource_mut::<ButtonInput<MouseButton>>()
        .press(MouseButton::Left);
    let yaw = |app: &App| app.world().resource::<ViewState>().yaw;
    let before = yaw(&app);
    // No raw motion: the cursor's own movement turns the view.
    app.world_mut().write_message(CursorMoved {
        window,
        position: Vec2::new(340.0, 200.0),
        delta: Some(Vec2::new(40.0, 0.0)),
    });
    app.update();
    let after_cursor = yaw(&app);
    assert!(after_cursor < before, "{before} → {after_cursor}");
    // Raw motion, where there is some, is what counts.
    app.world_mut()
        .resource_mut::<AccumulatedMouseMotion>()
        .delta = Vec2::new(-40.0, 0.0);
    app.update();
    assert!(yaw(&app) > after_cursor);
}
