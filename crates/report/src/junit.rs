//! The gate's verdicts as JUnit XML, the report CI dashboards (Jenkins, GitLab) show: one
//! `<testsuite>` per configuration, with the attributes they display (`time`, `timestamp`,
//! `hostname`) and `<properties>` holding the configuration's knobs and thresholds; one
//! `<testcase>` per check, a `<failure>` listing every repetition when one failed.
//!
//! The output is valid against both the Jenkins xunit plugin's `junit-10.xsd` and the
//! stricter Apache Ant schema (`JUnit.xsd`, Windy Road); `tests/cli/junit.rs` checks it
//! with `xmllint`. Hence every suite carries `package`, `id`, `properties`, `system-out` and
//! `system-err`, a timestamp without a zone (UTC), `<testsuites>` has no attributes, and the
//! details of passing checks go to the suite's `system-out` (the Ant schema allows nothing
//! else inside a `<testcase>`).

use std::fmt::Write;

use crate::gate::GateReport;
use crate::xml::escape;
use kqent_schema::ResultReport;

/// One configuration's `<testsuite>`: what the dashboards show beside its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// The configuration; its checks are the report's cases with this id.
    pub config_id: String,
    /// When its first repetition started, `YYYY-MM-DDTHH:MM:SS` (UTC, no zone).
    pub timestamp: String,
    /// The machine that measured it (`localhost` when unknown).
    pub hostname: String,
    /// Seconds its repetitions took to collect and assess, together.
    pub time_s: f64,
    /// `<property>` names and values: backend, extraction, knobs, samples, repetitions
    /// (and whatever the caller adds, such as the thresholds applied).
    pub properties: Vec<(String, String)>,
}

/// The JUnit document: the verdicts and a [`Suite`] per configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Junit {
    /// The gate's verdicts.
    pub report: GateReport,
    /// One per configuration, in the order the report lists them.
    pub suites: Vec<Suite>,
}

/// The [`Suite`] of every configuration in `results`, in order of first appearance.
/// `fallback_timestamp` (`YYYY-MM-DDTHH:MM:SS`) stands in for a configuration whose results
/// record no readable start time.
pub fn suites(results: &[ResultReport], fallback_timestamp: &str) -> Vec<Suite> {
    let mut out: Vec<Suite> = Vec::new();
    for r in results {
        let started = junit_timestamp(&r.provenance.started);
        let elapsed = r.provenance.elapsed_s;
        let elapsed = if elapsed.is_finite() && elapsed > 0.0 {
            elapsed
        } else {
            0.0
        };
        if let Some(s) = out.iter_mut().find(|s| s.config_id == r.config_id) {
            s.time_s += elapsed;
            // The earliest start; the format sorts as text.
            if let Some(t) = started {
                if t < s.timestamp {
                    s.timestamp = t;
                }
            }
            if let Some(p) = s.properties.iter_mut().find(|p| p.0 == "repetitions") {
                p.1 = (p.1.parse::<u64>().unwrap_or(0) + 1).to_string();
            }
            continue;
        }
        let host = r.provenance.host.trim();
        out.push(Suite {
            config_id: r.config_id.clone(),
            timestamp: started.unwrap_or_else(|| fallback_timestamp.to_string()),
            hostname: if host.is_empty() || host == "unknown" {
                "localhost".into()
            } else {
                host.to_string()
            },
            time_s: elapsed,
            properties: properties(r),
        });
    }
    out
}

/// What a configuration is, as `<property>` pairs.
fn properties(r: &ResultReport) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, value: String| p.push((name.to_string(), value));
    if let Some(b) = &r.backend {
        add("backend", b.clone());
    }
    if let Some(e) = &r.extraction {
        add("extraction", e.to_string());
    }
    if let Some(profile) = &r.profile {
        add("profile", profile.clone());
    }
    if let Some(k) = &r.knobs {
        add("num_timers", k.num_timers.to_string());
        add("num_sockets", k.num_sockets.to_string());
        add("num_file_watchers", k.num_file_watchers.to_string());
        add("timeout_ms", k.timeout_ms.to_string());
        add("poke_interval_us", k.poke_interval_us.to_string());
        add("write_trigger", k.write_trigger.to_string());
        add("warmup", k.warmup.to_string());
    }
    add("samples", r.input.samples.to_string());
    add("repetitions", "1".into());
    p
}

/// `YYYY-MM-DDTHH:MM:SS` of an RFC 3339 UTC time (`...Z`), `None` for anything else: the
/// time comes from a file, and the Ant schema takes no zone.
fn junit_timestamp(rfc3339: &str) -> Option<String> {
    let b = rfc3339.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    let ok = b.len() >= shape.len()
        && shape.iter().zip(b).all(|(&want, &c)| match want {
            b'd' => c.is_ascii_digit(),
            _ => c == want,
        })
        && matches!(&rfc3339[shape.len()..], "Z" | "" | "+00:00");
    ok.then(|| rfc3339[..shape.len()].to_string())
}

/// The JUnit XML of `doc`.
pub fn junit_xml(doc: &Junit) -> String {
    let report = &doc.report;
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    // No attributes: the Ant schema allows none here, and dashboards add up the suites.
    let _ = writeln!(s, "<testsuites>");
    for (i, suite) in doc.suites.iter().enumerate() {
        let cases: Vec<_> = report
            .cases
            .iter()
            .filter(|c| c.config_id == suite.config_id)
            .collect();
        let failed = cases.iter().filter(|c| !c.passed).count();
        let _ = writeln!(
            s,
            r#"  <testsuite name="{}" package="kqent.gate" id="{i}" tests="{}" failures="{failed}" errors="0" skipped="0" time="{:.3}" timestamp="{}" hostname="{}">"#,
            escape(&suite.config_id),
            cases.len(),
            suite.time_s,
            escape(&suite.timestamp),
            escape(&suite.hostname)
        );
        let _ = writeln!(s, "    <properties>");
        for (name, value) in &suite.properties {
            let _ = writeln!(
                s,
                r#"      <property name="{}" value="{}"/>"#,
                escape(name),
                escape(value)
            );
        }
        let _ = writeln!(s, "    </properties>");
        let mut out = String::new();
        for (k, c) in cases.iter().enumerate() {
            let name = escape(&format!("{}: {}", c.config_id, c.check));
            // The measurement's time goes to the configuration's first check (the checks
            // themselves take none), so dashboards that add up test cases see it once.
            let time = if k == 0 { suite.time_s } else { 0.0 };
            let open =
                format!(r#"    <testcase classname="kqent.gate" name="{name}" time="{time:.3}""#);
            if c.passed {
                let _ = writeln!(s, "{open}/>");
            } else {
                let msg = escape(&format!("{} failed on {}", c.check, c.config_id));
                let _ = writeln!(s, "{open}>");
                let _ = writeln!(
                    s,
                    r#"      <failure message="{msg}" type="{}">{}</failure>"#,
                    c.check,
                    escape(&c.details.join("\n"))
                );
                let _ = writeln!(s, "    </testcase>");
            }
            let _ = writeln!(out, "{}: {}", c.check, c.details.join("; "));
        }
        let _ = writeln!(s, "    <system-out>{}</system-out>", escape(&out));
        let _ = writeln!(s, "    <system-err></system-err>");
        let _ = writeln!(s, "  </testsuite>");
    }
    let _ = writeln!(s, "</testsuites>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{evaluate, GateOptions};
    use kqent_pipeline::fixture::{knobs, synthetic_result};

    #[test]
    fn suites_escape_count_and_carry_the_knobs() {
        let mut a = synthetic_result(&knobs(4, 0, 0), 1, 1, 4, 1000).unwrap();
        a.config_id = "odd <id> & \"quotes\"".into();
        a.provenance.started = "2026-01-02T03:04:05Z".into();
        a.provenance.elapsed_s = 1.5;
        let mut a2 = a.clone();
        a2.repetition = 2;
        a2.provenance.started = "2026-01-02T03:00:00Z".into();
        a2.provenance.elapsed_s = 2.0;
        let mut b = synthetic_result(&knobs(0, 4, 0), 1, 2, 0, 1000).unwrap();
        b.provenance.started = "not a time".into();
        b.provenance.host = "unknown".into();
        let results = [a, a2, b];
        let opts = GateOptions {
            min_entropy: 1.0,
            max_autocorr: Some(0.5),
            require_iid: false,
        };
        let doc = Junit {
            report: evaluate(&results, &opts).unwrap(),
            suites: suites(&results, "2030-01-01T00:00:00"),
        };
        assert_eq!(doc.suites.len(), 2);
        let xml = junit_xml(&doc);
        let parsed = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = parsed
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites[0].attribute("name"), Some("odd <id> & \"quotes\""));
        assert_eq!(
            suites[0].attribute("timestamp"),
            Some("2026-01-02T03:00:00")
        );
        assert_eq!(suites[0].attribute("time"), Some("3.500"));
        assert_eq!(
            suites[1].attribute("timestamp"),
            Some("2030-01-01T00:00:00")
        );
        assert_eq!(suites[1].attribute("hostname"), Some("localhost"));
        let prop = |suite: &roxmltree::Node, name: &str| {
            suite
                .descendants()
                .find(|p| p.has_tag_name("property") && p.attribute("name") == Some(name))
                .and_then(|p| p.attribute("value"))
                .map(str::to_string)
        };
        assert_eq!(prop(&suites[0], "num_timers").as_deref(), Some("4"));
        assert_eq!(prop(&suites[0], "repetitions").as_deref(), Some("2"));
        assert_eq!(prop(&suites[1], "num_sockets").as_deref(), Some("4"));
        // b has constant symbols: both of its checks fail.
        assert_eq!(suites[1].attribute("failures"), Some("2"));
        assert_eq!(
            parsed
                .descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count(),
            2
        );
        assert_eq!(
            parsed
                .descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .count(),
            4
        );
    }

    #[test]
    fn timestamps_without_zone() {
        assert_eq!(
            junit_timestamp("2026-11-29T23:47:52Z").as_deref(),
            Some("2026-11-29T23:47:52")
        );
        assert_eq!(junit_timestamp("2026-11-29T23:47:52+02:00"), None);
        assert_eq!(junit_timestamp("2026-11-29"), None);
        assert_eq!(junit_timestamp("2026-11-29T23:47:5xZ"), None);
    }
}
