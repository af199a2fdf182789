//! How a frame or figure panel looks, shared by `ginn render` and `ginn figure`: the view,
//! layers, lines, the phenomena overlays (`--overlay`), the 3D surfaces (`--surface`), and
//! what each snapshot's frame is drawn with.

use super::args::{LayerList, parse_unit};
use clap::Args;
use ginn::analysis::{Analysis, Analyzer, Registry, Thresholds};
use ginn::geometry::{Geometry, Rect};
use ginn::layer_space::Axes;
use ginn::nn::NeuronId;
use ginn::overlays::{Context, Overlays, TargetShapes};
use ginn::render::frame::{FrameStyle, Picture, SurfaceKind, View, render};
use ginn::render::picture::{Choices, LineOptions, Surfaces};
use ginn::run::Run;

/// Flags shared by `render` and `figure` for how a panel looks.
#[derive(Args, Clone)]
pub struct LookArgs {
    #[command(flatten)]
    pub thresholds: super::args::ThresholdArgs,
    #[command(flatten)]
    pub domain: super::args::DomainArgs,
    /// The report's 2D overlay, or the layer planes seen obliquely.
    #[arg(long, value_enum, default_value = "2d")]
    pub view: View,
    /// Hidden layers to draw, 1-based and comma-separated, or `none` (default: all).
    #[arg(long)]
    pub layers: Option<LayerList>,
    /// Boundary line width in pixels.
    #[arg(long, default_value_t = 2.0)]
    pub line_width: f32,
    /// Also draw the decision boundary (where the two logits are equal).
    #[arg(long)]
    pub decision_boundary: bool,
    // The phenomena's overlays come from their registry.
    #[arg(long, num_args = 0..=1, default_missing_value = "numbers", value_parser = parse_overlay,
          help = format!("What to draw over the picture, comma-separated: numbers (iteration, loss, accuracy; what `--overlay` alone means), {}",
                         Registry::builtin().overlay_help()))]
    pub overlay: Option<OverlayArg>,
    /// 3D: draw the output (logit difference over the linear regions, under the ground) or
    /// the `--unit`'s activation as a surface.
    #[arg(long, value_enum)]
    pub surface: Option<SurfaceKind>,
    /// The unit for `--surface unit` and `--velocity`: LAYER:UNIT, both from 1.
    #[arg(long, value_parser = parse_unit)]
    pub unit: Option<(usize, usize)>,
    /// Arrows along the `--unit`'s boundary: where it moves by the next snapshot.
    #[arg(long)]
    pub velocity: bool,
    /// 3D: faint copies of the lower layers' boundaries on each plane (to see the bends).
    #[arg(long)]
    pub bends: bool,
    /// Colour the output surface by predicted class instead of by region.
    #[arg(long)]
    pub by_class: bool,
    /// Multiplies the surfaces' heights.
    #[arg(long, default_value_t = 1.0)]
    pub height_scale: f32,
    /// Layer space: the layer whose space is shown, 0 (the input) to L + 1 (the logits);
    /// default the last hidden layer.
    #[arg(long)]
    pub layer: Option<usize>,
    /// Layer space: the 3D axes, `units:1,4,7` (three of the layer's units), `principal`
    /// (its directions of greatest variance over the square) or `decision` (the decision
    /// direction up; the last hidden layer's default).
    #[arg(long, value_parser = parse_projection)]
    pub projection: Option<Axes>,
}

/// `--projection units:1,4,7|principal|decision`.
fn parse_projection(s: &str) -> Result<Axes, String> {
    match s {
        "principal" => Ok(Axes::Principal),
        "decision" => Ok(Axes::Decision),
        _ => {
            let bad = || {
                format!(
                    "--projection takes units:A,B,C (three units, from 1), principal or decision; got `{s}`"
                )
            };
            let list = s.strip_prefix("units:").ok_or_else(bad)?;
            let u: Vec<usize> = list
                .split(',')
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&v| v >= 1)
                        .map(|v| v - 1)
                })
                .collect::<Option<_>>()
                .ok_or_else(bad)?;
            match u[..] {
                [a, b, c] => Ok(Axes::Units([a, b, c])),
                _ => Err(bad()),
            }
        }
    }
}

/// `--overlay`: the numbers, and the phenomena overlays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverlayArg {
    pub numbers: bool,
    pub shapes: Overlays,
}

fn parse_overlay(s: &str) -> Result<OverlayArg, String> {
    let numbers = s.split(',').any(|n| n.trim() == "numbers");
    let rest: Vec<&str> = s.split(',').filter(|n| n.trim() != "numbers").collect();
    let shapes =
        Overlays::parse(&rest.join(",")).map_err(|e| e.replace("takes ", "takes numbers, "))?;
    Ok(OverlayArg { numbers, shapes })
}

impl LookArgs {
    /// The canvas for `run`'s frames (what goes on it is each frame's `Picture`); the
    /// flags checked before anything is drawn.
    pub fn style(&self, width: u32, height: u32, run: &Run) -> anyhow::Result<FrameStyle> {
        self.line_options(run)?;
        if self.surface.is_some() && self.view != View::ThreeD {
            anyhow::bail!("surfaces are drawn in 3D: add --view 3d");
        }
        if (self.surface == Some(SurfaceKind::Unit) || self.velocity) && self.unit.is_none() {
            anyhow::bail!("--surface unit and --velocity need a unit: add --unit LAYER:UNIT");
        }
        if !(self.height_scale.is_finite() && self.height_scale > 0.0) {
            anyhow::bail!(
                "--height-scale must be a positive number, got {}",
                self.height_scale
            );
        }
        Ok(FrameStyle {
            width,
            height,
            view: self.view,
            line_width: self.line_width,
            yaw: -20.0,
            domain: run.domain,
            height_scale: self.height_scale,
        })
    }

    /// The hidden layers drawn (`--layers`).
    fn mask(&self, hidden_layers: usize) -> anyhow::Result<ginn::render::LayerMask> {
        Ok(match &self.layers {
            Some(l) => l.mask(hidden_layers)?,
            None => ginn::render::LayerMask::default(),
        })
    }

    /// The boundaries drawn: the shown layers', the `--unit`'s emphasised, and the decision
    /// boundary when asked for.
    fn line_options(&self, run: &Run) -> anyhow::Result<LineOptions<'static>> {
        Ok(LineOptions {
            layers: self.mask(run.settings.widths.len())?,
            selected: self.unit(run)?.into_iter().collect(),
            decision: self.decision_boundary,
            ..Default::default()
        })
    }

    /// The 3D surfaces drawn (`--surface`, `--by-class`, `--bends`).
    fn surfaces(&self, run: &Run) -> anyhow::Result<Surfaces> {
        Ok(Surfaces {
            output: self.surface == Some(SurfaceKind::Output),
            by_class: self.by_class,
            unit: self
                .unit(run)?
                .filter(|_| self.surface == Some(SurfaceKind::Unit)),
            bends: self.bends,
        })
    }

    /// The `--unit`, checked against the run's network.
    fn unit(&self, run: &Run) -> anyhow::Result<Option<NeuronId>> {
        let Some((l, u)) = self.unit else {
            return Ok(None);
        };
        let n = NeuronId {
            layer: l - 1,
            index: u - 1,
        };
        if !run.architecture().has_unit(n) {
            anyhow::bail!(
                "--unit {l}:{u}: the network has {} hidden layers of widths {:?}",
                run.settings.widths.len(),
                run.settings.widths
            );
        }
        Ok(Some(n))
    }

    pub fn overlays(&self) -> OverlayArg {
        self.overlay.clone().unwrap_or_default()
    }
}

/// What every frame of a command is drawn with beyond its snapshot: the target's shapes and,
/// for overlays that need the run's history (captured corners, indecisive units), its
/// analysis up to the last frame.
pub struct Extras {
    /// Layer space: the layer and the axes (`--view layer-space`).
    pub layer_space: Option<(usize, Axes)>,
    pub look: OverlayArg,
    /// The boundaries drawn.
    pub lines: LineOptions<'static>,
    pub surfaces: Surfaces,
    pub velocity: Option<NeuronId>,
    pub target: Option<TargetShapes>,
    pub analysis: Option<Analysis>,
    pub thresholds: Thresholds,
}

impl Extras {
    /// For the snapshots `picked` of `run` (indices, in order).
    pub fn for_run(run: &Run, look: &LookArgs, picked: &[usize]) -> anyhow::Result<Self> {
        let arg = look.overlays();
        let thresholds = look.thresholds.thresholds()?;
        let o = &arg.shapes;
        let history = Registry::builtin().history_of(o);
        let analysis = match (picked.iter().max(), history) {
            (Some(&last), Some(history)) => {
                let mut a = Analyzer::for_run(run, thresholds.clone(), history);
                eprintln!("analysing {} snapshots for the overlays…", last + 1);
                for snap in &run.snapshots[..=last] {
                    a.add(snap).map_err(|t| over_limit(snap.iteration, &t))?;
                }
                Some(a.analysis())
            }
            _ => None,
        };
        let hidden = run.settings.widths.len();
        let layer_space = (look.view == View::LayerSpace)
            .then(|| -> anyhow::Result<(usize, Axes)> {
                let layer = look.layer.unwrap_or(hidden);
                anyhow::ensure!(
                    layer <= hidden + 1,
                    "--layer {layer}: the network has layers 0 (the input) to {} (the logits)",
                    hidden + 1
                );
                let axes = look.projection.clone().unwrap_or(if layer == hidden {
                    Axes::Decision
                } else {
                    Axes::Principal
                });
                Ok((layer, axes))
            })
            .transpose()?;
        if layer_space.is_none() && (look.layer.is_some() || look.projection.is_some()) {
            anyhow::bail!("--layer and --projection are for --view layer-space");
        }
        let target = run
            .target
            .image()
            .filter(|_| o.any())
            .map(|t| TargetShapes::of(t, &thresholds));
        Ok(Self {
            layer_space,
            look: arg,
            lines: look.line_options(run)?,
            surfaces: look.surfaces(run)?,
            velocity: look.unit(run)?.filter(|_| look.velocity),
            target,
            analysis,
            thresholds,
        })
    }

    /// Snapshot `i`'s frame, described once for the PNG and the SVG writers.
    pub fn picture(
        &self,
        run: &Run,
        i: usize,
        geom: &Geometry,
        net: &ginn::nn::Network,
    ) -> Picture {
        let next = self
            .velocity
            .zip(run.snapshots.get(i + 1))
            .map(|(n, next)| (n, run.view_network(next)));
        let cx = Context {
            geom,
            net,
            target: self.target.as_ref(),
            analysis: self.analysis.as_ref().map(|a| (a, i)),
            thresholds: &self.thresholds,
        };
        Picture::describe(
            &cx,
            &Choices {
                lines: self.lines.clone(),
                overlays: self.look.shapes.clone(),
                velocity: next.as_ref().map(|(n, next)| (*n, next)),
                numbers: if self.look.numbers {
                    numbers(run, i)
                } else {
                    vec![]
                },
                surfaces: self.surfaces,
                points: run.target.points(),
                domain: run.domain,
            },
        )
    }
}

/// The iteration, loss and accuracy written over a frame.
pub fn numbers(run: &Run, i: usize) -> Vec<String> {
    let s = &run.snapshots[i];
    let mut lines = vec![if s.loss.is_finite() {
        format!(
            "iteration {}   loss {:.4}   accuracy {:.2}%",
            s.iteration,
            s.loss,
            100.0 * s.accuracy
        )
    } else {
        format!("iteration {}", s.iteration)
    }];
    if let (Some(l), Some(a)) = (s.test_loss, s.test_accuracy) {
        lines.push(format!("test: loss {l:.4}   accuracy {:.2}%", 100.0 * a));
    }
    if !run.domain.is_unit() {
        lines.push(run.domain.ranges());
    }
    lines
}

/// Renders snapshot `i` of a run; a snapshot whose partition is over the region limit is
/// an error that names it.
pub fn frame_of(
    run: &Run,
    i: usize,
    style: &FrameStyle,
    extras: &Extras,
) -> anyhow::Result<tiny_skia::Pixmap> {
    let net = run.view_network(&run.snapshots[i]);
    let geom = complete_geometry(run, i, &net)?;
    if let Some((layer, axes)) = &extras.layer_space {
        let marks = layer_space_marks(run, i, &net, &geom, *layer, axes, style)?;
        return Ok(ginn::render::layer_space::to_pixmap(
            &marks,
            &sheet_style(style, vec![]),
        ));
    }
    let picture = extras.picture(run, i, &geom, &net);
    Ok(render(&geom, &net, style, &picture))
}

/// The layer-space picture's style from a frame's.
pub fn sheet_style(
    style: &FrameStyle,
    caption: Vec<String>,
) -> ginn::render::layer_space::SheetStyle {
    ginn::render::layer_space::SheetStyle {
        width: style.width,
        height: style.height,
        yaw: style.yaw - 10.0,
        line_width: style.line_width,
        caption,
        ..Default::default()
    }
}

/// Snapshot `i` of a run seen in layer `layer`'s space.
pub fn layer_space_marks(
    run: &Run,
    i: usize,
    net: &ginn::nn::Network,
    geom: &Geometry,
    layer: usize,
    axes: &Axes,
    style: &FrameStyle,
) -> anyhow::Result<Vec<ginn::render::layer_space::Mark>> {
    let sheet = ginn::layer_space::sheet(net, geom, layer);
    let frame = ginn::layer_space::frame(net, geom, &sheet, axes).map_err(anyhow::Error::msg)?;
    let placed = ginn::render::layer_space::place(&sheet, &frame);
    let what = match axes {
        Axes::Units(u) => format!("units {}, {}, {}", u[0] + 1, u[1] + 1, u[2] + 1),
        Axes::Principal => "principal axes".into(),
        Axes::Decision => "decision axes".into(),
    };
    let caption = vec![format!(
        "layer {layer} · iteration {} · {what}",
        run.snapshots[i].iteration
    )];
    Ok(ginn::render::layer_space::marks(
        &sheet,
        &placed,
        &sheet_style(style, caption),
    ))
}

/// The whole partition of snapshot `i`, or an error naming the snapshot and the limit.
pub fn complete_geometry(run: &Run, i: usize, net: &ginn::nn::Network) -> anyhow::Result<Geometry> {
    Geometry::complete(net, Rect::UNIT).map_err(|t| over_limit(run.snapshots[i].iteration, &t))
}

/// The error of a snapshot whose partition is over the region limit, saying what to do.
pub fn over_limit(iteration: u64, t: &ginn::geometry::Truncation) -> anyhow::Error {
    anyhow::anyhow!("snapshot at iteration {iteration}: {t}; GINN_MAX_REGIONS raises the limit")
}
