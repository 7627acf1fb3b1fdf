//! The decision rules of a sweep's comparisons, as flags (`report` and `sweep`).

use kqent_analysis::inference::FamilyOptions;

/// `--alpha` and `--margin`: how a comparison of configurations is decided.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct DecisionArgs {
    /// Family-wise error rate of the comparisons (Holm-corrected over all of them): a
    /// difference is a finding when its adjusted p-value is at most this (`0.01`, `2^-10`).
    #[arg(long, value_name = "ALPHA", default_value_t = 0.05, value_parser = parse_alpha)]
    pub alpha: f64,
    /// Differences smaller than this many bits/symbol do not matter: a comparison without a
    /// finding says "no detectable difference" only when the design could have detected
    /// this much, and "inconclusive" otherwise. Recorded in summary.json.
    #[arg(long, value_name = "BITS", default_value_t = 0.05, value_parser = parse_margin)]
    pub margin: f64,
}

impl DecisionArgs {
    /// The rules, with the defaults for what the flags do not set.
    pub fn options(&self) -> anyhow::Result<FamilyOptions> {
        Ok(FamilyOptions::with_rules(self.alpha, self.margin)?)
    }
}

/// Parses `2^-20`, `2**-20` or a plain number in (0, 1).
pub fn parse_alpha(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let value = if let Some(exp) = t.strip_prefix("2^").or_else(|| t.strip_prefix("2**")) {
        let e: i32 = exp
            .parse()
            .map_err(|_| format!("invalid exponent in {s:?}"))?;
        2f64.powi(e)
    } else {
        t.parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number (e.g. 1e-6 or 2^-20)"))?
    };
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("alpha must be in (0, 1), got {s}"))
    }
}

/// Parses a margin in bits/symbol (range as [`FamilyOptions::with_rules`] checks it).
fn parse_margin(s: &str) -> Result<f64, String> {
    let value: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of bits/symbol (e.g. 0.05)"))?;
    FamilyOptions::with_rules(FamilyOptions::default().alpha, value)
        .map(|o| o.margin)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_parses_powers_of_two_and_numbers() {
        assert_eq!(parse_alpha("2^-20"), Ok(2f64.powi(-20)));
        assert_eq!(parse_alpha("2**-30"), Ok(2f64.powi(-30)));
        assert_eq!(parse_alpha("0.001"), Ok(0.001));
        assert!(parse_alpha("2^3").is_err());
        for bad in ["0", "1", "x", "NaN"] {
            assert!(parse_alpha(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn margin_is_a_positive_width() {
        assert_eq!(parse_margin("0.5"), Ok(0.5));
        assert_eq!(parse_margin("8"), Ok(8.0));
        for bad in ["0", "-0.1", "8.5", "NaN", "inf", "x"] {
            assert!(parse_margin(bad).is_err(), "{bad}");
        }
    }
}
