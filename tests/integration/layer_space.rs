//! Layer space from the command line: figures (PNG and SVG), movies and the morph, and the
//! flags that are refused with a reason.

use crate::common::{ginn, ginn_ok, small_run, stderr, stdout, temp_dir};
use ginn::geometry::{Geometry, Rect};
use ginn::run::Run;

#[test]
fn figures_and_movies_of_layer_space_are_drawn_and_bad_flags_named() {
    let run = small_run().to_str().unwrap();
    let dir = temp_dir("layer-space");
    let png = dir.join("ls.png");
    ginn_ok(&[
        "figure",
        run,
        "--view",
        "layer-space",
        "--at",
        "0,last",
        "--out",
        png.to_str().unwrap(),
        "--size",
        "200",
    ]);
    let img = image::open(&png).unwrap().to_rgb8();
    // Something drawn besides the background: the sheet's facets and lines.
    let drawn = img
        .pixels()
        .filter(|p| p.0 != [250, 250, 252] && p.0 != [255, 255, 255])
        .count();
    assert!(drawn > 2000, "{drawn} pixels drawn");

    // SVG: one facet per linear region of the last snapshot, the boundaries of layers 1…2.
    let svg = dir.join("ls.svg");
    ginn_ok(&[
        "figure",
        run,
        "--view",
        "layer-space",
        "--layer",
        "2",
        "--projection",
        "units:1,2,3",
        "--at",
        "last",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let r = Run::load(small_run()).unwrap();
    let geom = Geometry::complete(&r.view_network(r.last()), Rect::UNIT).unwrap();
    let facets = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .count();
    assert_eq!(facets, geom.regions().len(), "one polygon per region");

    // A movie of one layer over the run, and the fly-through of the layers.
    let gif = dir.join("ls.gif");
    ginn_ok(&[
        "render",
        run,
        "--view",
        "layer-space",
        "--layer",
        "1",
        "--projection",
        "principal",
        "--out",
        gif.to_str().unwrap(),
        "--size",
        "120",
    ]);
    let morph = dir.join("morph/");
    let o = ginn_ok(&[
        "render",
        run,
        "--view",
        "layer-space",
        "--morph",
        "--fps",
        "4",
        "--out",
        morph.to_str().unwrap(),
        "--size",
        "120",
    ]);
    assert!(stdout(&o).contains("folded through"), "{}", stdout(&o));
    let frames = std::fs::read_dir(&morph).unwrap().count();
    let hidden = r.settings.widths.len();
    assert_eq!(
        frames,
        4 * hidden + 4,
        "fps frames per layer, and the last held"
    );

    for (args, want) in [
        (vec!["--view", "layer-space", "--layer", "9"], "--layer 9"),
        (
            vec!["--view", "layer-space", "--projection", "units:1,2"],
            "--projection",
        ),
        (
            vec![
                "--view",
                "layer-space",
                "--layer",
                "1",
                "--projection",
                "decision",
            ],
            "decision axes",
        ),
        (
            vec!["--view", "layer-space", "--projection", "units:1,2,99"],
            "unit 99",
        ),
        (vec!["--layer", "1"], "--view layer-space"),
    ] {
        let out = dir.join("x.png");
        let mut a = vec!["figure", run, "--out", out.to_str().unwrap()];
        a.extend(args.iter().copied());
        let o = ginn(&a);
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
    let o = ginn(&[
        "render",
        run,
        "--morph",
        "--out",
        dir.join("m.gif").to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--view layer-space"),
        "{}",
        stderr(&o)
    );
}
