//! The phenomena in the viewer: the analysis fills in off the frame, overlays and surfaces
//! add and remove their entities as they are toggled, clicking a row selects its units.

use bevy::prelude::*;
use ginn::run::session::Session;
use ginn::targets::Shape;
use ginn::train::{Settings, SnapshotPlan};
use ginn::viewer::overlays::OverlayMark;
use ginn::viewer::state::Phenomena;
use ginn::viewer::state::{Display, FrameBudget, Lift, Selection, Sessions, Shown};
use ginn::viewer::surfaces::SurfaceMark;
use std::time::{Duration, Instant};

fn app() -> App {
    let settings = Settings {
        resolution: 32,
        iterations: 3000,
        batch: 32,
        lr: 0.01,
        snapshots: SnapshotPlan::Every(100),
        ..Settings::default()
    };
    let session = Session::new("test", settings, Shape::Bottle.draw(32)).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()));
    app.init_asset::<GizmoAsset>();
    app.init_asset::<Image>();
    app.init_asset::<Mesh>();
    app.init_asset::<ginn::viewer::state::FlatMaterial>();
    app.add_plugins(ginn::viewer::plugin);
    app.add_plugins((
        ginn::viewer::overlays::plugin,
        ginn::viewer::surfaces::plugin,
    ));
    app.insert_resource(Sessions::new(session, 100));
    app.insert_resource(FrameBudget(Duration::from_millis(10)));
    app
}

fn marks<M: Component + Copy>(app: &mut App) -> Vec<M> {
    let world = app.world_mut();
    world.query::<&M>().iter(world).copied().collect()
}

#[test]
fn the_analysis_keeps_up_with_live_training_off_the_frame() {
    let mut app = app();
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut partial = false;
    loop {
        let t = Instant::now();
        app.update();
        slowest = slowest.max(t.elapsed());
        let s = app.world().resource::<Sessions>().active();
        let (done, total, live) = (
            app.world().resource::<Phenomena>().done,
            s.snapshots.len(),
            s.can_train(),
        );
        partial |= done > 0 && done < total;
        if !live && done == total {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "analysed {done} of {total}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let ph = app.world().resource::<Phenomena>();
    let a = ph.latest.as_ref().expect("an analysis");
    assert_eq!(
        a.samples.len(),
        31,
        "one sample per snapshot (0, 100, …, 3000)"
    );
    assert!(partial, "it filled in a few snapshots at a time");
    // Training's budget is 10 ms a frame; the analysis must not add to it. Generous for a
    // busy 2-core machine, but far below analysing even one batch in the frame.
    assert!(
        slowest < Duration::from_millis(150),
        "slowest frame {slowest:?}"
    );
    // The same numbers as `ginn analyze` on the finished run.
    let run = app.world().resource::<Sessions>().active().to_run();
    let batch = ginn::analysis::analyze(&run, &Default::default()).unwrap();
    assert_eq!(a.samples, batch.samples);
    assert_eq!(a.episodes, batch.episodes);
}

#[test]
fn toggling_overlays_and_surfaces_adds_and_removes_their_entities() {
    let mut app = app();
    while app.world().resource::<Shown>().geometry.is_none() {
        app.update();
    }
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .playing = false;
    app.update();
    assert!(marks::<OverlayMark>(&mut app).is_empty());
    for (_, o) in ginn::analysis::Registry::builtin().overlays() {
        let name = o.name;
        // Indecisive units need the late window: not in a 3000-iteration run's analysis.
        if name == "indecisive" {
            continue;
        }
        app.world_mut()
            .resource_mut::<Display>()
            .overlays
            .set(name, true);
        app.update();
        assert!(
            marks::<OverlayMark>(&mut app).iter().any(|m| m.0 == name),
            "{name} on"
        );
        app.world_mut()
            .resource_mut::<Display>()
            .overlays
            .set(name, false);
        app.update();
        assert!(marks::<OverlayMark>(&mut app).is_empty(), "{name} off");
    }
    // Surfaces: the output on its own; the unit's needs a selected unit.
    app.world_mut().resource_mut::<Display>().surfaces.output = true;
    app.update();
    // In 2D (planes lowered into the ground) the classic overlay shows no surfaces.
    assert!(marks::<SurfaceMark>(&mut app).is_empty());
    app.insert_resource(Lift(1.0));
    app.update();
    assert!(
        marks::<SurfaceMark>(&mut app)
            .iter()
            .any(|m| m.0 == "output")
    );
    app.world_mut().resource_mut::<Display>().surfaces.unit = true;
    app.update();
    assert!(!marks::<SurfaceMark>(&mut app).iter().any(|m| m.0 == "unit"));
    app.world_mut()
        .resource_mut::<Selection>()
        .select(Some(ginn::nn::NeuronId { layer: 1, index: 2 }));
    app.update();
    assert!(marks::<SurfaceMark>(&mut app).iter().any(|m| m.0 == "unit"));
    // The velocity, towards the next snapshot, of a unit with a boundary there: the viewer
    // draws the description the CPU frames and SVG figures draw (`Picture::describe`).
    app.world_mut()
        .resource_mut::<Sessions>()
        .active_mut()
        .step_back();
    app.update();
    let n = {
        let geom = app.world().resource::<Shown>().geometry.clone().unwrap();
        geom.boundaries
            .iter()
            .find(|b| !b.polylines.is_empty())
            .map(|b| b.neuron)
            .unwrap()
    };
    app.world_mut().resource_mut::<Selection>().select(Some(n));
    app.world_mut().resource_mut::<Display>().surfaces.velocity = true;
    app.update();
    assert!(
        marks::<SurfaceMark>(&mut app)
            .iter()
            .any(|m| m.0 == "velocity")
    );
    {
        let world = app.world();
        let session = world.resource::<Sessions>().active();
        let run = session.to_run();
        let k = session.shown_index();
        let shown = world.resource::<Shown>();
        let (geom, net) = (
            shown.geometry.as_ref().unwrap(),
            shown.network.as_ref().unwrap(),
        );
        let next = run.view_network(&run.snapshots[k + 1]);
        let th = ginn::analysis::Thresholds::default();
        let cx = ginn::overlays::Context {
            geom,
            net,
            target: None,
            analysis: None,
            thresholds: &th,
        };
        let want = ginn::render::picture::Picture::describe(
            &cx,
            &ginn::render::picture::Choices {
                velocity: Some((n, &next)),
                ..Default::default()
            },
        );
        let picture = &world.resource::<ginn::viewer::state::ShownPicture>().0;
        assert!(!want.velocity.is_empty());
        assert_eq!(picture.velocity, want.velocity);
    }
    app.world_mut().resource_mut::<Display>().surfaces.velocity = false;
    {
        let mut d = app.world_mut().resource_mut::<Display>();
        d.surfaces.output = false;
        d.surfaces.unit = false;
    }
    app.update();
    assert!(marks::<SurfaceMark>(&mut app).is_empty());
    // The output surface mesh has a facet (two or more triangles) per linear region.
    app.world_mut().resource_mut::<Display>().surfaces.output = true;
    app.update();
    let world = app.world_mut();
    let handle = world
        .query::<(&SurfaceMark, &Mesh3d)>()
        .iter(world)
        .find(|(m, _)| m.0 == "output")
        .map(|(_, h)| h.0.clone())
        .unwrap();
    let mesh = world.resource::<Assets<Mesh>>().get(&handle).unwrap();
    let geom = world.resource::<Shown>().geometry.clone().unwrap();
    let triangles: usize = geom
        .regions()
        .iter()
        .map(|r| geom.vertex_ids(r).len() - 2)
        .sum();
    assert_eq!(mesh.count_vertices(), 3 * triangles);
}
