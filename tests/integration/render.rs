//! Movies and figures: sizes, frame counts, layer colours, vector SVG, reproducibility.

use super::common::*;

fn has_color(img: &image::RgbaImage, c: [u8; 3]) -> bool {
    img.pixels()
        .any(|p| (0..3).all(|k| (p[k] as i32 - c[k] as i32).abs() <= 12))
}

#[test]
fn gif_has_the_requested_frames_and_size() {
    let dir = temp_dir("gif");
    let out = dir.join("m.gif");
    ginn_ok(&[
        "render",
        small_run().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--size",
        "96x64",
        "--from",
        "500",
        "--to",
        "2000",
    ]);
    let file = std::io::BufReader::new(std::fs::File::open(&out).unwrap());
    let decoder = image::codecs::gif::GifDecoder::new(file).unwrap();
    let frames = image::AnimationDecoder::into_frames(decoder)
        .collect_frames()
        .unwrap();
    assert_eq!(frames.len(), 4, "snapshots 500, 1000, 1500, 2000");
    assert!(frames.iter().all(|f| f.buffer().dimensions() == (96, 64)));
}

#[test]
fn png_frames_show_every_layer_colour_and_are_reproducible() {
    let render = |name: &str, view: &str| {
        let dir = temp_dir(name);
        ginn_ok(&[
            "render",
            small_run().to_str().unwrap(),
            "--out",
            &format!("{}/", dir.display()),
            "--size",
            "200",
            "--view",
            view,
            "--overlay",
        ]);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    };
    let a = render("frames-a", "2d");
    let b = render("frames-b", "2d");
    assert_eq!(a.len(), 7, "snapshots 0, 500, …, 3000");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{} differs between renders",
            x.display()
        );
    }
    let last = image::open(a.last().unwrap()).unwrap().to_rgba8();
    assert_eq!(last.dimensions(), (200, 200));
    for l in 0..3 {
        assert!(
            has_color(&last, ginn::render::layer_color(l)),
            "layer {} colour missing",
            l + 1
        );
    }
    let three = render("frames-3d", "3d");
    let img = image::open(three.last().unwrap()).unwrap().to_rgba8();
    for l in 0..3 {
        assert!(
            has_color(&img, ginn::render::layer_color(l)),
            "3D: layer {} colour missing",
            l + 1
        );
    }
}

#[test]
fn svg_figure_has_one_vector_path_per_visible_neuron() {
    let dir = temp_dir("svg");
    let out = dir.join("f.svg");
    ginn_ok(&[
        "figure",
        small_run().to_str().unwrap(),
        "--at",
        "0,last",
        "--out",
        out.to_str().unwrap(),
        "--layers",
        "1,3",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let run = ginn::run::Run::load(small_run()).unwrap();
    let net = run.last().network(&run.architecture()).unwrap();
    let g = ginn::geometry::Geometry::new(&net, ginn::geometry::Rect::UNIT);
    // The last panel: paths in layers 1 and 3 only, one per unit with a boundary.
    let groups: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("g") && n.attribute("id").is_some_and(|i| i.starts_with("layer-"))
        })
        .collect();
    let last_panel = &groups[groups.len() - 2..];
    assert_eq!(
        last_panel
            .iter()
            .map(|g| g.attribute("id").unwrap())
            .collect::<Vec<_>>(),
        ["layer-1", "layer-3"]
    );
    for (grp, layer) in last_panel.iter().zip([0usize, 2]) {
        let paths: Vec<_> = grp.children().filter(|n| n.has_tag_name("path")).collect();
        let expected: Vec<_> = g
            .boundaries
            .iter()
            .filter(|b| b.neuron.layer == layer && !b.polylines.is_empty())
            .collect();
        assert_eq!(paths.len(), expected.len());
        for (p, b) in paths.iter().zip(expected) {
            assert_eq!(
                p.attribute("data-unit").unwrap(),
                (b.neuron.index + 1).to_string()
            );
            let moves = p.attribute("d").unwrap().matches('M').count();
            assert_eq!(moves, b.polylines.len(), "one subpath per polyline");
        }
    }
}

#[test]
fn png_figure_has_its_panels() {
    let dir = temp_dir("figpng");
    let out = dir.join("f.png");
    ginn_ok(&[
        "figure",
        small_run().to_str().unwrap(),
        "--at",
        "0,500,last",
        "--size",
        "120",
        "--out",
        out.to_str().unwrap(),
    ]);
    let img = image::open(&out).unwrap();
    assert_eq!((img.width(), img.height()), (3 * 130 + 10, 120 + 28 + 20));
}

#[test]
fn unknown_movie_kinds_and_missing_ffmpeg_are_clear() {
    let dir = temp_dir("kinds");
    let o = ginn(&[
        "render",
        small_run().to_str().unwrap(),
        "--out",
        dir.join("m.avi").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains(".gif, .mp4 or .webm"), "{}", stderr(&o));
    let has_ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok();
    let o = ginn(&[
        "render",
        small_run().to_str().unwrap(),
        "--out",
        dir.join("m.mp4").to_str().unwrap(),
        "--size",
        "64",
    ]);
    assert_eq!(o.status.success(), has_ffmpeg, "{}", stderr(&o));
    if !has_ffmpeg {
        assert!(stderr(&o).contains("ffmpeg"));
    }
}

#[test]
fn svg_overlays_each_have_their_own_group() {
    let dir = temp_dir("svg-overlays");
    let out = dir.join("f.svg");
    ginn_ok(&[
        "figure",
        small_run().to_str().unwrap(),
        "--at",
        "last",
        "--out",
        out.to_str().unwrap(),
        "--overlay",
        "corners,mirror,components,complexity",
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let group = |id: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("g") && n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no group {id}"))
    };
    // One marker per corner of the target, one outline per inner component, the heat map's
    // cells, and each layer's mirrored boundaries.
    let run = ginn::run::Run::load(small_run()).unwrap();
    let th = ginn::analysis::Thresholds::default();
    let target = run.target.image().unwrap();
    let features = ginn::analysis::TargetFeatures::of(target, &th);
    let corners = group("overlay-corners")
        .children()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(corners, features.corners.len());
    let inner = features.components.iter().filter(|c| c.depth >= 1).count();
    let outlines = group("overlay-components")
        .children()
        .filter(|n| n.has_tag_name("path"))
        .count();
    assert_eq!(outlines, inner);
    assert!(
        group("overlay-complexity")
            .children()
            .any(|n| n.has_tag_name("rect"))
    );
    let mirrored = group("overlay-mirror")
        .children()
        .filter(|n| n.attribute("class") == Some("overlay-mirror"))
        .count();
    assert_eq!(mirrored, run.settings.widths.len());
    // Without --overlay, none of them.
    let plain = dir.join("plain.svg");
    ginn_ok(&[
        "figure",
        small_run().to_str().unwrap(),
        "--at",
        "last",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(
        !std::fs::read_to_string(&plain)
            .unwrap()
            .contains("overlay-")
    );
}

#[test]
fn surfaces_render_in_3d_and_bad_combinations_are_named() {
    let dir = temp_dir("surfaces");
    let run = small_run().to_str().unwrap();
    let plain = dir.join("plain.png");
    let surf = dir.join("surface.png");
    ginn_ok(&[
        "figure",
        run,
        "--at",
        "last",
        "--view",
        "3d",
        "--out",
        plain.to_str().unwrap(),
    ]);
    ginn_ok(&[
        "figure",
        run,
        "--at",
        "last",
        "--view",
        "3d",
        "--surface",
        "output",
        "--out",
        surf.to_str().unwrap(),
    ]);
    // The surface is coloured by region: many more distinct colours than grey ground.
    let colours = |p: &std::path::Path| {
        let img = image::open(p).unwrap().to_rgba8();
        let mut c: Vec<[u8; 3]> = img
            .pixels()
            .map(|p| [p[0] >> 3, p[1] >> 3, p[2] >> 3])
            .collect();
        c.sort();
        c.dedup();
        c.len()
    };
    assert!(
        colours(&surf) > 2 * colours(&plain),
        "{} vs {}",
        colours(&surf),
        colours(&plain)
    );
    // Corners drawn in their pink on a PNG figure, none without the overlay.
    let corners = dir.join("corners.png");
    ginn_ok(&[
        "figure",
        run,
        "--at",
        "last",
        "--overlay",
        "corners",
        "--out",
        corners.to_str().unwrap(),
    ]);
    let img = image::open(&corners).unwrap().to_rgba8();
    assert!(has_color(&img, [255, 60, 160]));
    let plain_2d = dir.join("plain2d.png");
    ginn_ok(&[
        "figure",
        run,
        "--at",
        "last",
        "--out",
        plain_2d.to_str().unwrap(),
    ]);
    assert!(!has_color(
        &image::open(&plain_2d).unwrap().to_rgba8(),
        [255, 60, 160]
    ));
    let unit = format!("{}/unit/", dir.display());
    ginn_ok(&[
        "render",
        run,
        "--out",
        &unit,
        "--view",
        "3d",
        "--surface",
        "unit",
        "--unit",
        "2:3",
        "--velocity",
        "--bends",
        "--to",
        "1000",
    ]);
    for (args, says) in [
        (vec!["--surface", "output"], "--view 3d"),
        (vec!["--view", "3d", "--surface", "unit"], "--unit"),
        (
            vec!["--view", "3d", "--surface", "unit", "--unit", "9:1"],
            "hidden layers",
        ),
        (vec!["--overlay", "corners,edges"], "`edges`"),
    ] {
        let mut a = vec![
            "figure",
            run,
            "--at",
            "last",
            "--out",
            surf.to_str().unwrap(),
        ];
        a.extend(args);
        let o = ginn(&a);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}
