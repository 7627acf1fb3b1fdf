//! What both renderers show, computed once from the loaded results.

use crate::aggregate::{aggregate, best_and_worst, ConfigSummary};
use crate::compare::{kind_comparisons, verdict, KindComparison};
use kqent_analysis::inference::FamilyOptions;
use kqent_schema::summary::{summary_with, SummaryReport};
use kqent_schema::Loaded;

/// The computed content of a report.
#[derive(Debug, Clone)]
pub struct Overview<'a> {
    /// The loaded results.
    pub loaded: &'a Loaded,
    /// One summary per configuration, in the results' order.
    pub summaries: Vec<ConfigSummary>,
    /// Indices of the best and worst configuration (by lowest H_assessed).
    pub best_worst: Option<(usize, usize)>,
    /// The kind comparisons.
    pub comparisons: Vec<KindComparison>,
    /// Their one-line answer from bare means (superseded by `summary.kinds_answer`).
    pub verdict: Option<String>,
    /// The statistics over repetitions, comparisons and caveats (`summary.json`).
    pub summary: SummaryReport,
}

impl<'a> Overview<'a> {
    /// Summarises `loaded` with the default decision rules.
    pub fn new(loaded: &'a Loaded) -> Self {
        Overview::with_options(loaded, FamilyOptions::default())
    }

    /// Summarises `loaded`, deciding the comparisons by `options`.
    pub fn with_options(loaded: &'a Loaded, options: FamilyOptions) -> Self {
        let summaries = aggregate(&loaded.results);
        let comparisons = kind_comparisons(&summaries);
        Overview {
            loaded,
            best_worst: best_and_worst(&summaries),
            verdict: verdict(&comparisons),
            summary: summary_with(loaded, options),
            comparisons,
            summaries,
        }
    }

    /// One line: how many configurations and results, backend, extraction, seed.
    pub fn headline(&self) -> String {
        let r = &self.loaded.results;
        let first = r.first();
        let backend = match &self.loaded.manifest {
            Some(m) => Some(m.backend.clone()),
            None => first.and_then(|f| f.backend.clone()),
        };
        let extraction = match &self.loaded.manifest {
            Some(m) => Some(m.extraction.to_string()),
            None => first.and_then(|f| f.extraction.map(|e| e.to_string())),
        };
        let seed = match &self.loaded.manifest {
            Some(m) => Some(m.seed),
            None => first.map(|f| f.seed),
        };
        let mut parts = vec![format!(
            "{} configuration{}, {} result{}",
            self.summaries.len(),
            if self.summaries.len() == 1 { "" } else { "s" },
            r.len(),
            if r.len() == 1 { "" } else { "s" }
        )];
        if let Some(b) = backend {
            parts.push(format!("backend {}", crate::escape::code(&b)));
        }
        if let Some(e) = extraction {
            parts.push(format!("extraction `{e}`"));
        }
        if let Some(s) = seed {
            parts.push(format!("seed {s}"));
        }
        if let Some((done, expected)) = self.completeness() {
            if done < expected {
                parts.push(format!("**incomplete: {done} of {expected} results**"));
            }
        }
        parts.join(" · ")
    }

    /// (results present, results the manifest asks for), when there is a manifest.
    pub fn completeness(&self) -> Option<(usize, usize)> {
        self.loaded.completeness()
    }
}
