//! `kqent gate`: the CI quality gate. Exit 0 when every repetition of every configuration
//! passes every check, 1 when one fails, 2 on errors (unreadable input, no results, an
//! incomplete sweep, `--require-iid` on results without an IID verdict).

use std::path::PathBuf;

use anyhow::Context;
use kqent_pipeline::atomic::{create_parent, write_atomic};
use kqent_pipeline::outputs::Outputs;
use kqent_report::gate::{evaluate_each, GateOptions};
use kqent_report::junit::{junit_xml, suites, Junit};
use kqent_sweep::layout::load;
use kqent_sweep::validate::{check, CheckOptions};

use crate::cmd::gate_policy::Policy;
use crate::exit;

/// Arguments of `kqent gate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A result JSON file or a sweep directory.
    #[arg(value_name = "REPORT|DIR")]
    pub input: PathBuf,
    /// Lowest acceptable H_assessed, bits per symbol: a threshold on the results (not
    /// the claim `kqent health --h-claim` derives its cutoffs from).
    #[arg(long, value_name = "X", required_unless_present = "policy")]
    pub min_entropy: Option<f64>,
    /// Highest acceptable largest |r_k| over the computed autocorrelation lags.
    #[arg(long, value_name = "Y")]
    pub max_autocorr: Option<f64>,
    /// Also require the IID verdict to pass (an error when a result has none).
    #[arg(long)]
    pub require_iid: bool,
    /// The thresholds from a file (TOML or JSON): defaults and per-configuration
    /// overrides (README: "Using kqent as a CI gate"). Replaces the threshold flags.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["min_entropy", "max_autocorr", "require_iid"])]
    pub policy: Option<PathBuf>,
    /// Write JUnit XML here: one test case per configuration and check.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Judge the results present even when runs the sweep's manifest asks for are
    /// missing (or the directory has no manifest); without it that is an error.
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let policy = args.policy.as_deref().map(Policy::read).transpose()?;
    let min_entropy = args.min_entropy.unwrap_or(0.0);
    if !(0.0..=8.0).contains(&min_entropy) {
        anyhow::bail!("--min-entropy {min_entropy} is outside 0..=8 bits per symbol");
    }
    if let Some(y) = args.max_autocorr {
        if !(0.0..=1.0).contains(&y) {
            anyhow::bail!("--max-autocorr {y} is outside 0..=1");
        }
    }
    if let Some(path) = &args.junit {
        Outputs::new().input(&args.input).check("--junit", path)?;
    }
    let loaded = load(&args.input)?;
    // Ranges, duplicates and the manifest's runs: a missing repetition cannot pass.
    let checked = CheckOptions {
        allow_incomplete: args.allow_incomplete,
        directory: args.input.is_dir(),
        distinct_inputs: true,
    };
    for w in check(&loaded, &checked)
        .with_context(|| format!("{:?}", args.input.display().to_string()))?
    {
        eprintln!("kqent: warning: {w}");
    }
    let flags = GateOptions {
        min_entropy,
        max_autocorr: args.max_autocorr,
        require_iid: args.require_iid,
    };
    let opts_for = |id: &str| match &policy {
        Some(p) => p.options_for(id),
        None => flags.clone(),
    };
    if let Some(p) = &policy {
        p.check_configurations(loaded.results.iter().map(|r| r.config_id.as_str()))?;
    }
    let report = evaluate_each(&loaded.results, &opts_for)?;
    if let Some(path) = &args.junit {
        let now = kqent_trace::rfc3339(std::time::SystemTime::now());
        let mut suites = suites(&loaded.results, now.trim_end_matches('Z'));
        for s in &mut suites {
            s.properties.extend(thresholds(&opts_for(&s.config_id)));
        }
        let xml = junit_xml(&Junit {
            report: report.clone(),
            suites,
        });
        create_parent(path).with_context(|| "cannot write the JUnit file")?;
        write_atomic(path, xml.as_bytes()).with_context(|| "cannot write the JUnit file")?;
    }
    print!("{}", kqent_report::text::gate(&report));
    Ok(if report.passed() {
        exit::SUCCESS
    } else {
        exit::VERDICT_FAILED
    })
}

/// The thresholds a configuration was gated with, as JUnit properties.
fn thresholds(o: &GateOptions) -> Vec<(String, String)> {
    let mut p = vec![("gate.min_entropy".to_string(), o.min_entropy.to_string())];
    if let Some(y) = o.max_autocorr {
        p.push(("gate.max_autocorr".into(), y.to_string()));
    }
    p.push(("gate.require_iid".into(), o.require_iid.to_string()));
    p
}
