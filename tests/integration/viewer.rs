//! The viewer: its systems in a headless `App`, and the real window under Xvfb with
//! Mesa's software Vulkan.

use super::common::*;
use bevy::prelude::*;
use ginn::session::Session;
use ginn::target::Shape;
use ginn::train::{Settings, SnapshotPlan};
use ginn::viewer::boundaries::{Display, LayerLines, Shown};
use ginn::viewer::training::{FrameBudget, Sessions};
use std::time::Duration;

fn app(iterations_per_frame: u64) -> App {
    let settings = Settings {
        resolution: 32,
        iterations: 5000,
        batch: 32,
        snapshots: SnapshotPlan::Every(100),
        ..Settings::default()
    };
    let session = Session::new("test", settings, Shape::Bottle.draw(32)).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<GizmoAsset>();
    app.add_plugins(ginn::viewer::plugin);
    app.insert_resource(Sessions::new(session, iterations_per_frame));
    app.insert_resource(FrameBudget(Duration::from_secs(60)));
    app
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
        let g = app
            .world()
            .resource::<Shown>()
            .geometry
            .as_ref()
            .unwrap()
            .clone();
        (0..3)
            .map(|l| {
                (
                    l,
                    g.boundaries
                        .iter()
                        .filter(|b| b.neuron.layer == l)
                        .flat_map(|b| &b.polylines)
                        .map(|p| p.len() - 1)
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
        .set_layer(1, false);
    app.update();
    let layers: Vec<usize> = drawn_segments(&mut app).iter().map(|x| x.0).collect();
    assert_eq!(layers, vec![0, 2]);
    let before = drawn_segments(&mut app)[0].1;
    let g = app
        .world()
        .resource::<Shown>()
        .geometry
        .as_ref()
        .unwrap()
        .clone();
    let unit = g
        .boundaries
        .iter()
        .find(|b| b.neuron.layer == 0 && !b.polylines.is_empty())
        .unwrap();
    let own: usize = unit.polylines.iter().map(|p| p.len() - 1).sum();
    {
        let mut d = app.world_mut().resource_mut::<Display>();
        d.hidden_units.insert(unit.neuron);
        d.generation += 1;
    }
    // Pause so the geometry stays the same while we compare.
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .playing = false;
    app.update();
    assert_eq!(drawn_segments(&mut app)[0].1, before - own);
}

/// The real viewer under Xvfb + lavapipe: renders, saves a screenshot, and the picture
/// shows the prediction and every layer's colour. Under CI it must run; elsewhere it is
/// skipped (with a note) when the display stack is missing.
#[test]
fn viewer_renders_a_screenshot_under_xvfb() {
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
    let (Some(icd), true) = (icd, xvfb) else {
        assert!(
            !ci,
            "CI=true but Xvfb or Mesa's lavapipe is missing (.ci/run installs xvfb and mesa-vulkan-drivers)"
        );
        eprintln!("skipping: xvfb-run or Mesa lavapipe not installed");
        return;
    };
    let dir = temp_dir("xvfb");
    for (view, name) in [("2d", "shot2d.png"), ("3d", "shot3d.png")] {
        let shot = dir.join(name);
        let out = std::process::Command::new("xvfb-run")
            .args([
                "-a",
                "-s",
                "-screen 0 1280x800x24",
                env!("CARGO_BIN_EXE_ginn"),
                "view",
                "--view",
                view,
            ])
            .args([
                "--frames",
                "12",
                "--iterations",
                "20000",
                "--iterations-per-frame",
                "1000",
                "--screenshot",
                shot.to_str().unwrap(),
            ])
            .env("WGPU_BACKEND", "vulkan")
            .env("VK_ICD_FILENAMES", icd)
            .output()
            .unwrap();
        assert!(out.status.success(), "viewer failed: {}", stderr(&out));
        let img = image::open(&shot).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (1280, 800));
        // The prediction: grey-to-black (the bottle) and white pixels in the view's middle.
        let (mut dark, mut light) = (0, 0);
        for y in 250..550 {
            for x in 450..850 {
                let p = img.get_pixel(x, y);
                let grey = (p[0] as i32 - p[1] as i32).abs() < 12 && (p[1] as i32 - p[2] as i32).abs() < 12;
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
