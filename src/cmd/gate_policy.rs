//! `kqent gate --policy FILE`: the gate's thresholds in a file, TOML or JSON, with defaults
//! and per-configuration overrides:
//!
//! ```toml
//! [defaults]
//! min_entropy = 2.0
//! max_autocorr = 0.05     # optional
//! require_iid = false     # optional
//!
//! [configurations.clock]  # a configuration id, as the results name it
//! min_entropy = 0.0
//! ```
//!
//! Unknown keys are errors (a misspelt threshold would otherwise silently not apply), and
//! so is an override for a configuration the results do not hold.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use kqent_report::gate::GateOptions;
use serde::Deserialize;

/// A policy file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The thresholds of every configuration without an override.
    pub defaults: Defaults,
    /// Overrides by configuration id; what an override leaves out is the default's.
    #[serde(default)]
    pub configurations: BTreeMap<String, Overrides>,
}

/// `[defaults]`: `min_entropy` is required, as `--min-entropy` is without a policy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Lowest acceptable H_assessed, bits per symbol.
    pub min_entropy: f64,
    /// Highest acceptable max |r_k|.
    pub max_autocorr: Option<f64>,
    /// Require the IID verdict to pass.
    #[serde(default)]
    pub require_iid: bool,
}

/// `[configurations.<id>]`: any of the thresholds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Lowest acceptable H_assessed, bits per symbol.
    pub min_entropy: Option<f64>,
    /// Highest acceptable max |r_k|.
    pub max_autocorr: Option<f64>,
    /// Require the IID verdict to pass.
    pub require_iid: Option<bool>,
}

impl Policy {
    /// Reads `path`: JSON when it ends in `.json` or its text starts with `{`, else TOML.
    pub fn read(path: &Path) -> anyhow::Result<Policy> {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read the policy {}", path.display()))?;
        // A policy is a few lines; anything large is not one.
        if meta.len() > 1 << 20 {
            bail!("the policy {} is larger than 1 MiB", path.display());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the policy {}", path.display()))?;
        let json =
            path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
        let policy = Policy::parse(&text, json)
            .with_context(|| format!("the policy {} is not valid", path.display()))?;
        Ok(policy)
    }

    /// Parses `text` as JSON or TOML, and checks every threshold's range.
    pub fn parse(text: &str, json: bool) -> anyhow::Result<Policy> {
        let policy: Policy = if json {
            serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?
        } else {
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?
        };
        policy.check("[defaults]", &policy.options_of(&Overrides::default()))?;
        for (id, o) in &policy.configurations {
            policy.check(&format!("[configurations.{id:?}]"), &policy.options_of(o))?;
        }
        Ok(policy)
    }

    /// The thresholds of configuration `config_id`.
    pub fn options_for(&self, config_id: &str) -> GateOptions {
        match self.configurations.get(config_id) {
            Some(o) => self.options_of(o),
            None => self.options_of(&Overrides::default()),
        }
    }

    /// An error naming the first override whose configuration is not among `ids`.
    pub fn check_configurations<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str> + Clone,
    ) -> anyhow::Result<()> {
        for id in self.configurations.keys() {
            if !ids.clone().into_iter().any(|i| i == id) {
                let known: Vec<&str> = ids.clone().into_iter().collect();
                bail!(
                    "the policy overrides configuration {id:?}, which the results do not hold (they hold {})",
                    known.join(", ")
                );
            }
        }
        Ok(())
    }

    fn options_of(&self, o: &Overrides) -> GateOptions {
        let d = &self.defaults;
        GateOptions {
            min_entropy: o.min_entropy.unwrap_or(d.min_entropy),
            max_autocorr: o.max_autocorr.or(d.max_autocorr),
            require_iid: o.require_iid.unwrap_or(d.require_iid),
        }
    }

    fn check(&self, table: &str, o: &GateOptions) -> anyhow::Result<()> {
        if !(0.0..=8.0).contains(&o.min_entropy) {
            bail!(
                "{table}: min_entropy {} is outside 0..=8 bits per symbol",
                o.min_entropy
            );
        }
        if let Some(y) = o.max_autocorr {
            if !(0.0..=1.0).contains(&y) {
                bail!("{table}: max_autocorr {y} is outside 0..=1");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[defaults]
min_entropy = 2.0
max_autocorr = 0.05

[configurations.clock]
min_entropy = 0.0

[configurations."t8-s4-w4-to1-p500-edge-wu1000"]
require_iid = true
"#;

    #[test]
    fn toml_and_json_give_the_same_policy() {
        let t = Policy::parse(TOML, false).unwrap();
        let j = Policy::parse(
            r#"{"defaults": {"min_entropy": 2.0, "max_autocorr": 0.05},
                "configurations": {"clock": {"min_entropy": 0.0},
                  "t8-s4-w4-to1-p500-edge-wu1000": {"require_iid": true}}}"#,
            true,
        )
        .unwrap();
        assert_eq!(t, j);
        let clock = t.options_for("clock");
        assert_eq!((clock.min_entropy, clock.max_autocorr), (0.0, Some(0.05)));
        assert!(t.options_for("t8-s4-w4-to1-p500-edge-wu1000").require_iid);
        assert_eq!(t.options_for("other").min_entropy, 2.0);
        assert!(t
            .check_configurations(["clock", "t8-s4-w4-to1-p500-edge-wu1000"])
            .is_ok());
        let e = t.check_configurations(["clock"]).unwrap_err().to_string();
        assert!(e.contains("t8-s4-w4-to1-p500-edge-wu1000"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        for (text, json, says) in [
            (
                "[defaults]\nmin_entropy = 1.0\nmax_autocor = 0.1\n",
                false,
                "max_autocor",
            ),
            ("[default]\nmin_entropy = 1\n", false, "default"),
            ("[defaults]\nmax_autocorr = 0.1\n", false, "min_entropy"),
            (
                "[defaults]\nmin_entropy = 1.0\n[configurations.x]\nmin_entropi = 2\n",
                false,
                "min_entropi",
            ),
            (
                r#"{"defaults": {"min_entropy": 1, "iid": true}}"#,
                true,
                "iid",
            ),
            ("[defaults]\nmin_entropy = 9.0\n", false, "outside 0..=8"),
            (
                "[defaults]\nmin_entropy = 1.0\n[configurations.x]\nmax_autocorr = 2.0\n",
                false,
                "[configurations.\"x\"]: max_autocorr 2 is outside 0..=1",
            ),
        ] {
            let e = format!("{:#}", Policy::parse(text, json).unwrap_err());
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
