//! Filling [`Provenance`]: host, OS, kernel, CPU and times, read from the system.

use std::time::SystemTime;

use crate::Provenance;

impl Provenance {
    /// Describes this machine, for a run that went from `started` to `finished`. Whatever
    /// cannot be read is `"unknown"`: provenance never makes a run fail. `collection` is
    /// left empty; set it to the trace's provenance when the input is a trace.
    pub fn collect(tool_version: &str, started: SystemTime, finished: SystemTime) -> Provenance {
        Provenance {
            tool_version: tool_version.to_string(),
            host: first_of(&[
                read_trimmed("/proc/sys/kernel/hostname"),
                command("hostname", &[]),
            ]),
            os: std::env::consts::OS.to_string(),
            kernel: first_of(&[
                read_trimmed("/proc/sys/kernel/osrelease"),
                command("uname", &["-r"]),
            ]),
            cpu: first_of(&[
                cpuinfo_model(),
                command("sysctl", &["-n", "machdep.cpu.brand_string"]),
                command("sysctl", &["-n", "hw.model"]),
            ]),
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
}

fn first_of(candidates: &[Option<String>]) -> String {
    candidates
        .iter()
        .flatten()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| "unknown".to_string())
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cpuinfo_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
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
        let p = Provenance::collect(
            "0.1.0",
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_millis(1500),
        );
        assert_eq!(p.elapsed_s, 1.5);
        assert!(!p.host.is_empty() && !p.kernel.is_empty());
    }
}
