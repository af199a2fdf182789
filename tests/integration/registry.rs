//! A phenomenon of one's own, registered beside the report's: the README's contributor
//! example (its code is the block between the `example` markers, which the README quotes),
//! measured, summarised, shown as a panel row and an overlay, with its threshold `--set`.

use ginn::analysis::{OverlaySpec, Registry, Thresholds, analyze_with, rows::rows};
use ginn::geometry::{Geometry, Rect};
use ginn::overlays::{Context, Trace};

// example
use ginn::analysis::{Analysis, Card, Measure, Phenomenon, Sample, Setup, Step, Threshold};

const LONG: Threshold = Threshold::real("long_boundary", 1.0, "a boundary this long is long");

/// How many units' boundaries are longer than `long_boundary` (input units).
#[derive(Clone)]
struct LongBoundaries;

impl Phenomenon for LongBoundaries {
    fn card(&self) -> Card {
        Card::new("long", "§3–4", "units with a long boundary").thresholds(&[LONG])
    }
    fn measure(&self, _: &Setup) -> Box<dyn Measure> {
        Box::new(LongBoundaries)
    }
    fn summary(&self, a: &Analysis, out: &mut String) {
        let n = &a.samples.last().expect("a snapshot").extra["long"];
        *out += &format!("long boundaries at the end: {n}\n");
    }
}

impl Measure for LongBoundaries {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        let min = step.setup.th.get(&LONG);
        let long = step.geom.boundaries.iter().filter(|b| b.length() > min);
        sample.extra.insert("long".into(), long.count().into());
    }
}
// example end

/// The example with a panel row and an overlay too (the trait's optional parts).
struct LongWithPicture;

impl Phenomenon for LongWithPicture {
    fn card(&self) -> Card {
        const DRAWN: OverlaySpec = OverlaySpec::new("long", "the long boundaries in magenta");
        Card::new("long_drawn", "§3–4", "units with a long boundary, drawn")
            .thresholds(&[LONG])
            .overlays(&[DRAWN])
    }

    fn measure(&self, _: &Setup) -> Box<dyn Measure> {
        Box::new(WithSection)
    }
    fn row(&self, a: &Analysis, k: usize) -> Option<ginn::analysis::rows::Row> {
        Some(ginn::analysis::rows::Row {
            name: "long",
            verdict: format!("{} long", a.samples[k].extra["long"]),
            overlay: Some("long"),
            ..Default::default()
        })
    }
    fn draw(&self, _: &str, cx: &Context, shapes: &mut ginn::overlays::Shapes) {
        let min = cx.thresholds.get(&LONG);
        shapes.traces.push(Trace {
            name: "long",
            layer: None,
            rgba: [255, 0, 255, 255],
            lines: (cx.geom.boundaries.iter())
                .filter(|b| b.length() > min)
                .flat_map(|b| b.polylines.clone())
                .collect(),
        });
    }
}

/// The example's measure, also writing a section of its own at the end.
#[derive(Clone)]
struct WithSection;

impl Measure for WithSection {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        LongBoundaries.add(step, sample);
    }
    fn report(&self, _: &Setup, _: Option<(&ginn::nn::Network, &Geometry)>, a: &mut Analysis) {
        let last = a.samples.last().map(|s| s.extra["long"].clone());
        a.sections.insert("long".into(), last.unwrap_or_default());
    }
}

static EXAMPLE: LongBoundaries = LongBoundaries;
static DRAWN: LongWithPicture = LongWithPicture;

/// Long boundaries counted straight from each snapshot's geometry.
fn long_counts(run: &ginn::run::Run, min: f64) -> Vec<u64> {
    let arch = run.architecture();
    run.snapshots
        .iter()
        .map(|s| {
            let net = run.domain.fold(&s.network(&arch).unwrap());
            let g = Geometry::new(&net, Rect::UNIT);
            g.boundaries.iter().filter(|b| b.length() > min).count() as u64
        })
        .collect()
}

#[test]
fn a_registered_phenomenon_is_measured_reported_and_set() {
    let run = ginn::run::Run::load(super::common::small_run()).unwrap();
    let registry = Registry::builtin().with(&EXAMPLE);
    let th = Thresholds::of(&registry);
    let a = analyze_with(&run, &th, &registry, &|| {}).unwrap();
    // Measured at every snapshot, as the geometry says.
    let got: Vec<u64> = a
        .samples
        .iter()
        .map(|s| s.extra["long"].as_u64().unwrap())
        .collect();
    let want = long_counts(&run, 1.0);
    assert_eq!(got, want);
    assert!(want.iter().any(|&n| n > 0), "the run has long boundaries");
    // Its JSON: its name in `computed`, its section, its per-snapshot field, its threshold.
    let v = ginn::analysis::to_json("run", &run, &a);
    assert_eq!(v["computed"].as_array().unwrap().last().unwrap(), "long");
    assert_eq!(v["samples"][0]["long"], serde_json::json!(want[0]));
    assert_eq!(v["thresholds"]["long_boundary"], serde_json::json!(1.0));
    // Its summary block, after the report's (§3–4 sorts first among equals as listed).
    assert!(
        a.summary().contains(&format!(
            "long boundaries at the end: {}\n",
            want.last().unwrap()
        )),
        "{}",
        a.summary()
    );
    // `--set` reaches it; a registry without it does not know the name.
    let th2 = Thresholds::of(&registry).with("long_boundary=0.5").unwrap();
    let a2 = analyze_with(&run, &th2, &registry, &|| {}).unwrap();
    let got2: Vec<u64> = a2
        .samples
        .iter()
        .map(|s| s.extra["long"].as_u64().unwrap())
        .collect();
    assert_eq!(got2, long_counts(&run, 0.5));
    assert_ne!(got2, got);
    assert!(Thresholds::default().with("long_boundary=0.5").is_err());
    // `--only` and the help texts come from the registry.
    assert_eq!(registry.only("long").unwrap().names(), ["long"]);
    assert!(
        registry
            .only_help(true)
            .contains("units with a long boundary")
    );
    assert!(registry.set_help(true).contains("long_boundary=1.0"));
    // The report's phenomena are unchanged beside it.
    let plain = analyze_with(&run, &Thresholds::default(), &Registry::builtin(), &|| {}).unwrap();
    let mut with = v.clone();
    for s in with["samples"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("long");
    }
    with["thresholds"]
        .as_object_mut()
        .unwrap()
        .remove("long_boundary");
    with["computed"].as_array_mut().unwrap().pop();
    assert_eq!(with, ginn::analysis::to_json("run", &run, &plain));
}

#[test]
fn a_registered_phenomenon_has_a_row_and_draws_its_overlay() {
    let run = ginn::run::Run::load(super::common::small_run()).unwrap();
    let registry = Registry::builtin().with(&DRAWN);
    let th = Thresholds::of(&registry);
    let a = analyze_with(&run, &th, &registry, &|| {}).unwrap();
    let k = a.samples.len() - 1;
    let row = rows(&a, k).into_iter().find(|r| r.name == "long").unwrap();
    assert_eq!(row.section, "§3–4");
    // Its own section of the JSON, beside the report's.
    let v = ginn::analysis::to_json("run", &run, &a);
    assert_eq!(v["long"], v["samples"][k]["long"]);
    assert!(v["long"].as_u64().is_some());
    assert!(row.about.contains("units with a long boundary, drawn"));
    // Its overlay: parsed by name, drawn by the CPU renderer (magenta where the long
    // boundaries are) and named in the SVG.
    let which = registry.parse_overlays("long,corners").unwrap();
    assert!(registry.parse_overlays("longer").is_err());
    assert!(Registry::builtin().parse_overlays("long").is_err());
    let arch = run.architecture();
    let net = run.snapshots[k].network(&arch).unwrap();
    let geom = Geometry::new(&net, Rect::UNIT);
    let cx = Context {
        geom: &geom,
        net: &net,
        target: None,
        analysis: Some((&a, k)),
        thresholds: &th,
    };
    let shapes = registry.shapes(&which, &cx);
    assert_eq!(shapes.traces.len(), 1);
    assert!(!shapes.traces[0].lines.is_empty());
    // Nothing but the overlay drawn (no boundaries described): the trace runs along them.
    let style = ginn::render::style::FrameStyle {
        width: 160,
        height: 160,
        ..Default::default()
    };
    let magenta = |pm: &tiny_skia::Pixmap| {
        pm.pixels()
            .iter()
            .filter(|p| p.red() > 200 && p.green() < 60 && p.blue() > 200)
            .count()
    };
    let with = ginn::render::frame::render(
        &geom,
        &net,
        &style,
        &ginn::render::picture::Picture {
            shapes: shapes.clone(),
            ..Default::default()
        },
    );
    let without = ginn::render::frame::render(&geom, &net, &style, &Default::default());
    assert!(magenta(&with) > 50, "{}", magenta(&with));
    assert_eq!(magenta(&without), 0);
}

#[test]
fn the_readme_shows_the_example() {
    let me = include_str!("registry.rs");
    let code = me
        .split("// example\n")
        .nth(1)
        .and_then(|s| s.split("// example end").next())
        .unwrap();
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(code.trim()),
        "the README's contributor example is this file's"
    );
    // A screenful: the trait asks for little.
    assert!(code.lines().count() <= 30, "{}", code.lines().count());
}
