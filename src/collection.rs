//! What a trace says about its own collection: the span of its records on its clock, the
//! collector's CPU time and the clock, for the entropy rate and cost of a result.

use std::path::Path;

use anyhow::Context;
use kqent_analysis::inference::rate::{span_ns, CollectionInfo};

/// The collection of the trace at `path` (its metadata already read as `meta`); `None` for
/// a trace without records.
pub fn collection_info(
    path: &Path,
    meta: &kqent_trace::Metadata,
) -> anyhow::Result<Option<CollectionInfo>> {
    let shown = path.display();
    let reader =
        kqent_trace::open_file(path).with_context(|| format!("cannot read trace {shown}"))?;
    let mut first: Option<u64> = None;
    let mut last = (0u64, 0u64);
    for r in reader.records() {
        let r = r.with_context(|| format!("cannot read trace {shown}"))?;
        first.get_or_insert(r.start_ns);
        last = (r.start_ns, r.duration_ns);
    }
    Ok(first.map(|f| CollectionInfo {
        wall_ns: span_ns(f, last.0, last.1),
        cpu_ns: meta.provenance.collector_cpu_ns,
        clock: meta.clock.name.clone(),
        clock_resolution_ns: meta.clock.resolution_ns,
    }))
}
