//! The charts' axes: iterations on a log scale (1, 10, 100, … — iteration 0 sits half a
//! decade left of 1), and readable tick labels for each kind of value.

/// Where iteration `it` sits on a chart's log axis.
pub fn log_x(it: u64) -> f64 {
    (it as f64).max(0.5).log10()
}

/// The iteration at a position of the log axis (0 left of the first decade).
pub fn iteration_at(x: f64) -> f64 {
    if x < -0.15 { 0.0 } else { 10f64.powf(x) }
}

/// Grid lines of the log iteration axis: one per decade (1, 10, 100, …), and stronger
/// ones every second and fourth decade, so that narrow charts label every other decade.
pub fn decades<'a>() -> Box<dyn Fn(egui_plot::GridInput) -> Vec<egui_plot::GridMark> + 'a> {
    egui_plot::uniform_grid_spacer(|_| [1.0, 2.0, 4.0])
}

/// Tick label of the log iteration axis: `0`, `1`, `10`, `100`, `1k`, `10k`, `1M`.
pub fn iteration_label(x: f64) -> String {
    compact(iteration_at(x).round())
}

/// `1,234` as `1.2k`, `1,280,000` as `1.3M`; small numbers as they are.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

/// At most one decimal, none when it is 0.
fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Three significant digits (`0.0123`, `1.23`, `456`) for loss and learning-rate ticks.
pub fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_read_as_powers_of_ten() {
        assert_eq!(iteration_label(0.0), "1");
        assert_eq!(iteration_label(1.0), "10");
        assert_eq!(iteration_label(3.0), "1k");
        assert_eq!(iteration_label(6.0), "1M");
        assert_eq!(iteration_label(log_x(0)), "0");
        assert_eq!(iteration_label(log_x(500_000)), "500k");
        assert_eq!(compact(500.0), "500");
        assert_eq!(significant(0.012345), "0.0123");
        assert_eq!(significant(0.5), "0.500");
        assert_eq!(significant(1e-3), "0.00100");
    }
}
