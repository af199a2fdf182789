//! The readable summary `ginn analyze` prints: the target, where the boundaries go, then
//! one block per phenomenon (each writes its own), in the report's order.

use super::Analysis;

impl Analysis {
    /// The readable summary, one block per phenomenon.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
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
        }
        for p in self.registry.in_report_order() {
            p.summary(self, &mut s);
        }
        if !self.not_measured.is_empty() {
            let _ = writeln!(s, "not measured yet: {}", self.not_measured.join(", "));
        }
        s
    }
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
