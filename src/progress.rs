//! Progress bars: rate and ETA on a terminal, nothing at all otherwise. Counts and rates
//! are rounded for people: `1,234,567/3,000,000 samples (4,385/s, ETA 5m)`.

use std::fmt::Write as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A bar over `len` units named `unit` ("samples", "configurations", ...). Hidden unless
/// stderr is a terminal.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} ({{rate}}, ETA {{eta}})"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&human_rate(state.per_sec()));
            },
        ));
    }
    pb
}

/// A rate per second for people: whole units with thousands separators, one decimal below
/// 10 (`4,385/s`, `12/s`, `2.5/s`).
pub fn human_rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec < 0.0 {
        return "-/s".into();
    }
    if per_sec < 9.95 {
        return format!("{per_sec:.1}/s");
    }
    let digits = format!("{:.0}", per_sec.round());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let _ = write!(out, "/s");
    out
}

#[cfg(test)]
mod tests {
    use super::human_rate;

    #[test]
    fn rates_are_rounded_with_separators() {
        assert_eq!(human_rate(4385.0976), "4,385/s");
        assert_eq!(human_rate(1_234_567.5), "1,234,568/s");
        assert_eq!(human_rate(999.6), "1,000/s");
        assert_eq!(human_rate(12.4), "12/s");
        assert_eq!(human_rate(2.46), "2.5/s");
        assert_eq!(human_rate(0.0), "0.0/s");
        assert_eq!(human_rate(f64::NAN), "-/s");
    }
}
