//! Filling [`Provenance`]: host, OS, kernel, CPU and times, read from the system.

use std::time::{SystemTime, UNIX_EPOCH};

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
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_795_923_673);
/// assert_eq!(kqent_report::provenance::rfc3339(t), "2026-11-29T03:41:13Z");
/// ```
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's method).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
