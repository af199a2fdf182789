//! The readable summary `ginn analyze` prints: one block per phenomenon.

use super::{Analysis, failure, indecisive, symmetry};

impl Analysis {
    /// The readable summary, one block per phenomenon.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let on = |name: &str| self.computed.contains(&name);
        match &self.target {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "target: {} contour loop(s), {} corners, {} components (depths {}), mirror axes: {}",
                    t.contour.len(),
                    t.corners.len(),
                    t.components.len(),
                    t.components
                        .iter()
                        .map(|c| format!("{}:{}px/{:.1}", c.depth, c.area, c.thickness))
                        .collect::<Vec<_>>()
                        .join(" "),
                    if t.mirror_axes.is_empty() {
                        "none".to_string()
                    } else {
                        t.mirror_axes
                            .iter()
                            .map(|m| format!("{:?} ({:.1} %)", m.axis, 100.0 * m.agreement))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
            }
            None => s.push_str("target: not an image (target features not applicable)\n"),
        }
        if let (Some(first), Some(last)) = (self.samples.first(), self.samples.last()) {
            let _ = writeln!(
                s,
                "§3–4 boundaries: {} → {} linear regions; boundary length per layer {} → {}; dead units per layer {:?} → {:?}, revived {:?}",
                first.regions,
                last.regions,
                lengths(&first.boundary_length),
                lengths(&last.boundary_length),
                first.dead_units,
                last.dead_units,
                self.revived_units
            );
            if on("complexity") && self.target.is_none() {
                s.push_str("§3–4 local complexity: not applicable (not an image target)\n");
            }
            if on("critical") && self.target.as_ref().is_none_or(|t| t.corners.is_empty()) {
                s.push_str("§6 critical points: not applicable (the target has no corners)\n");
            }
            if let (Some(n), Some(f)) = (last.complexity_near, last.complexity_far) {
                let ratio = |n: f64, f: f64| {
                    if f > 0.0 {
                        format!("{:.1}×", n / f)
                    } else {
                        "∞".into()
                    }
                };
                let _ = writeln!(
                    s,
                    "§3–4 local complexity (units within {} px): near the contour {:.2}, far from it {:.2}, {} (at the start {})",
                    self.thresholds.complexity_px,
                    n,
                    f,
                    ratio(n, f),
                    match (first.complexity_near, first.complexity_far) {
                        (Some(n), Some(f)) => ratio(n, f),
                        _ => "-".into(),
                    }
                );
            }
            for (l, holds) in self
                .bias_first_holds
                .iter()
                .enumerate()
                .filter(|_| on("bias"))
            {
                let row: Vec<String> = self
                    .bias_first_layers
                    .iter()
                    .filter(|d| d.layer == l + 1)
                    .map(|d| {
                        format!(
                            "{}: β {:.2} vs β₀ {:.2} ({:.0} % above)",
                            decade_name(d.decade),
                            d.median_beta,
                            d.median_beta_null,
                            100.0 * d.share_above_null
                        )
                    })
                    .collect();
                let peaks: Vec<String> = self
                    .bias_first_peaks
                    .iter()
                    .filter(|p| p.0 == l + 1)
                    .map(|p| format!("{} in {}", p.2, decade_name(p.1)))
                    .collect();
                let _ = writeln!(
                    s,
                    "§5 bias before weights, layer {}: {} (β peaks: {}) — {}",
                    l + 1,
                    match holds {
                        Some(true) => "holds",
                        Some(false) => "does not hold",
                        None => "cannot tell",
                    },
                    peaks.join(", "),
                    row.join("; ")
                );
            }
            if !last.corner_attraction.is_empty() {
                let pct = |v: &[f64]| {
                    v.iter()
                        .map(|x| format!("{:.0} %", 100.0 * x))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let captured = self.corner_capture.iter().filter(|c| c.is_some()).count();
                let _ = writeln!(
                    s,
                    "§6 critical points: corners with a kink or crossing within {} px, per layer {} (contour away from corners: {}); {} of {} corners captured to the end",
                    self.thresholds.attraction_px,
                    pct(&last.corner_attraction),
                    pct(&last.contour_attraction),
                    captured,
                    self.corner_capture.len()
                );
                for (l, shares) in self.bends_on.iter().enumerate().skip(1) {
                    let _ = writeln!(
                        s,
                        "    layer {}'s bends sit on: {}",
                        l + 1,
                        shares
                            .iter()
                            .enumerate()
                            .map(|(k, v)| format!("layer {} {:.0} %", k + 1, 100.0 * v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            if on("copycats") {
                let _ = writeln!(
                    s,
                    "§7 copycats: {} copycat and {} mirror pair(s) at the last snapshot; {} pair episode(s) over the run; effective width per layer {:?} (of {:?})",
                    last.copycats,
                    last.mirrors,
                    self.episodes.len(),
                    last.effective_width,
                    self.widths
                );
            }
            for p in &self.last_pairs {
                let e = self
                    .episodes
                    .iter()
                    .rev()
                    .find(|e| e.layer == p.layer && e.units == p.units && e.kind == p.kind);
                let _ = writeln!(
                    s,
                    "    layer {} units {} and {}: {:?}, cosine {:.4}, Hausdorff {:.4}{}",
                    p.layer,
                    p.units[0],
                    p.units[1],
                    p.kind,
                    p.cosine,
                    p.hausdorff,
                    e.map_or(String::new(), |e| format!(", since iteration {}", e.from))
                );
            }
        }
        match &self.indecisive {
            Some(indecisive::Verdict::TooSparse { late_snapshots }) => {
                let _ = writeln!(
                    s,
                    "§8 indecisive units: cannot tell from {late_snapshots} late snapshot(s); retrain with --snapshots paper,tail:1000 (training is reproducible)"
                );
            }
            Some(indecisive::Verdict::Units(u)) => {
                let found: Vec<String> = u
                    .iter()
                    .filter(|h| h.indecisive)
                    .map(|h| {
                        format!(
                            "layer {} unit {} ({:.3} apart, {} switches, {:.2} % pixels flipped by swapping)",
                            h.layer,
                            h.unit,
                            h.separation,
                            h.switches,
                            100.0 * h.pixels_flipped
                        )
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "§8 indecisive units: {}",
                    if found.is_empty() {
                        "none".to_string()
                    } else {
                        found.join("; ")
                    }
                );
            }
            None => {}
        }
        match self.samples.last().map(|l| (&l.symmetry, &self.roles)) {
            _ if !on("symmetry") => {}
            Some((sym, roles)) if !sym.is_empty() => {
                for (a, roles) in sym.iter().zip(roles) {
                    let count = |f: fn(&symmetry::Role) -> bool| {
                        roles
                            .iter()
                            .map(|l| l.iter().filter(|r| f(r)).count().to_string())
                            .collect::<Vec<_>>()
                            .join("/")
                    };
                    let _ = writeln!(
                        s,
                        "§9 units per layer about the {:?} axis: self-symmetric {}, paired {}, unmatched {}",
                        a.axis,
                        count(|r| *r == symmetry::Role::SelfSymmetric),
                        count(|r| matches!(r, symmetry::Role::Paired(_))),
                        count(|r| *r == symmetry::Role::Unmatched)
                    );
                    let _ = writeln!(
                        s,
                        "§9 symmetry about the {:?} axis at the last snapshot: mirrored boundary length per layer {}, pixels predicted as their mirror {:.1} %",
                        a.axis,
                        a.boundary_share
                            .iter()
                            .map(|v| format!("{:.0} %", 100.0 * v))
                            .collect::<Vec<_>>()
                            .join(", "),
                        100.0 * a.pixel_share
                    );
                }
            }
            _ => s.push_str("§9 symmetry: not applicable (the target has no mirror axis)\n"),
        }
        if !on("failure") {
        } else if self.components.is_empty() {
            s.push_str("§10 failure: not applicable (not an image target)\n");
        } else {
            let failed = self
                .components
                .iter()
                .filter(|c| c.verdict == failure::Verdict::Failed)
                .count();
            let _ = writeln!(
                s,
                "§10 failure: {} — components (depth, class, px, thickness → last accuracy, birth, verdict):",
                if failed == 0 {
                    "no component failed".to_string()
                } else {
                    format!("{failed} component(s) FAILED")
                }
            );
            for c in &self.components {
                let _ = writeln!(
                    s,
                    "    {} {} {:>6} px {:>5.1} px → {:>6.1} %, born {}, {:?} ({} regions, {} units, decision boundary {:.2}× its outline)",
                    c.depth,
                    if c.class == 1 { "white" } else { "black" },
                    c.area,
                    c.thickness,
                    100.0 * c.accuracy.last().copied().unwrap_or(0.0),
                    c.birth.map_or("never".to_string(), |b| format!("at {b}")),
                    c.verdict,
                    c.regions,
                    c.units,
                    c.decision_per_outline
                );
            }
        }
        if !self.not_measured.is_empty() {
            let _ = writeln!(s, "not measured yet: {}", self.not_measured.join(", "));
        }
        s
    }
}

/// `≤1`, `≤10`, `≤100`, … for a decade of iterations.
fn decade_name(d: u32) -> String {
    format!("≤{}", 10u64.pow(d))
}

fn lengths(v: &[f64]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|l| format!("{l:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
