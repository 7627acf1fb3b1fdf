//! The summary document, `DIR/summary.json`: the statistics of a sweep over its
//! repetitions (`kqent_analysis::inference::Summary`) with the schema header. It is computed
//! by the analysis crate from the results; this module only maps each result to the
//! [`Observation`] the analysis reads, and wraps the answer as a versioned document (the
//! document's constructor, next to its type, so the sweep, the binary and the renderers
//! read one summary).

use kqent_analysis::inference::{
    summarize, ExtractionAssessment, FamilyOptions, Observation, Summary, SweepFacts,
};
use serde::{Deserialize, Serialize};

use crate::{DocKind, Loaded, ResultReport, SCHEMA_VERSION};

/// Config id of the clock-only control in a sweep run with `--clock-control`.
pub const CLOCK_CONTROL_ID: &str = "clock";

/// File name of the summary in a sweep directory.
pub const SUMMARY_FILE: &str = "summary.json";

/// `DIR/summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryReport {
    /// [`SCHEMA_VERSION`] at writing.
    pub schema_version: u32,
    /// Always [`DocKind::Summary`].
    pub kind: DocKind,
    /// Results summarised.
    pub results: usize,
    /// The statistics.
    #[serde(flatten)]
    pub summary: Summary,
}

/// What the summary reads from one result.
pub fn observation(r: &ResultReport) -> Observation {
    let key = match &r.knobs {
        Some(k) => format!(
            "to{}-p{}-{}-wu{}",
            k.timeout_ms, k.poke_interval_us, k.write_trigger, k.warmup
        ),
        None => String::new(),
    };
    // Each profile's kinds family stays within the profile.
    let key = match &r.profile {
        Some(p) => format!("{p}:{key}"),
        None => key,
    };
    Observation {
        config_id: r.config_id.clone(),
        backend: r.backend.clone(),
        counts: r
            .knobs
            .as_ref()
            .map(|k| [k.num_timers, k.num_sockets, k.num_file_watchers].map(u64::from)),
        key,
        samples: r.input.samples,
        main: ExtractionAssessment {
            extraction: r
                .extraction
                .unwrap_or(kqent_analysis::Extraction::Lsb(r.assessment.bits)),
            bits: r.assessment.bits,
            h_assessed: r.h_assessed(),
        },
        shannon: r.stats.shannon,
        min_entropy: r.stats.min_entropy,
        collection: r.collection.clone(),
        iid: r.iid.as_ref().map(|i| i.verdict),
        tick_ns: r.durations.as_ref().map(|d| d.tick),
        virtualization: r
            .provenance
            .collection
            .as_ref()
            .and_then(|c| c.virtualization.clone()),
        extractions: r.extractions.clone(),
        host: Some(host_label(r)),
        profile: r.profile.clone(),
        profile_key: r
            .knobs
            .as_ref()
            .map(|k| format!("to{}", k.timeout_ms))
            .unwrap_or_default(),
    }
}

/// The machine a result was produced on, as the summary keeps it apart:
/// `host (os kernel[, virtualisation])`. The backend is not part of it (the clock control
/// of a host is that host's), e.g. `runner-1 (linux 6.8.0, kvm)`.
pub fn host_label(r: &ResultReport) -> String {
    let p = &r.provenance;
    let virt = p
        .collection
        .as_ref()
        .and_then(|c| c.virtualization.as_deref())
        .map(|v| format!(", {v}"))
        .unwrap_or_default();
    format!("{} ({} {}{virt})", p.host, p.os, p.kernel)
}

/// The row of each result in the summary (`kqent_analysis::inference::row_ids`): its
/// configuration id, or `<configuration>@<host>` when the results come from several hosts.
pub fn row_ids(results: &[ResultReport]) -> Vec<String> {
    let obs: Vec<Observation> = results.iter().map(observation).collect();
    kqent_analysis::inference::row_ids(&obs)
}

/// The summary of everything `loaded` holds, with the default decision rules.
pub fn summary_of(loaded: &Loaded) -> SummaryReport {
    summary_with(loaded, FamilyOptions::default())
}

/// [`summary_of`] with other decision rules.
pub fn summary_with(loaded: &Loaded, options: FamilyOptions) -> SummaryReport {
    let obs: Vec<Observation> = loaded.results.iter().map(observation).collect();
    let facts = SweepFacts {
        pipelined: loaded
            .manifest
            .as_ref()
            .is_some_and(|m| m.pipeline == Some(true)),
    };
    SummaryReport {
        schema_version: SCHEMA_VERSION,
        kind: DocKind::Summary,
        results: loaded.results.len(),
        summary: summarize(&obs, facts, options),
    }
}
