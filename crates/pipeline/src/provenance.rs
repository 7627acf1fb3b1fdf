//! Filling a result's [`Provenance`]: the machine's facts as the collector reads them
//! (`kqent_collector::machine_provenance`, the one place that reads host, kernel and CPU),
//! the tool's version and the times.

use std::time::SystemTime;

use kqent_schema::Provenance;

/// Describes this machine, for a run that went from `started` to `finished`. Whatever
/// cannot be read is `"unknown"`: provenance never makes a run fail. `collection` is
/// left empty; set it to the trace's provenance when the input is a trace.
pub fn collect(tool_version: &str, started: SystemTime, finished: SystemTime) -> Provenance {
    let m = kqent_collector::machine_provenance();
    let known = |v: Option<String>| {
        v.filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into())
    };
    Provenance {
        tool_version: tool_version.to_string(),
        host: known(m.host),
        os: std::env::consts::OS.to_string(),
        kernel: known(m.kernel),
        cpu: known(m.cpu_model),
        started: rfc3339(started),
        finished: rfc3339(finished),
        elapsed_s: finished
            .duration_since(started)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        input_file_sha256: None,
        collection: None,
    }
}

/// Formats a time as RFC 3339 UTC with second precision (`2026-11-24T03:41:13Z`).
pub use kqent_trace::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day) 12:00:00 = 951825600.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_825_600)),
            "2000-02-29T12:00:00Z"
        );
        let p = collect(
            "0.1.0",
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_millis(1500),
        );
        assert_eq!(p.elapsed_s, 1.5);
        assert!(!p.host.is_empty() && !p.kernel.is_empty());
    }
}
