//! The summary of a sweep: per configuration the spread of each figure over repetitions,
//! its rate and cost, the family of comparisons, the kinds answer, the extractions compared
//! on the same traces, and the caveats that apply. Built from one [`Observation`] per
//! result; renderers only draw it.

use serde::{Deserialize, Serialize};

use super::family::{compare_family, Comparison, FamilyOptions, Group, KindsAnswer, Role};
use super::rate::{CollectionInfo, RunRate};
use super::spread::Spread;
use crate::Extraction;

/// SP 800-90B section 3.1.1: the sample size an entropy assessment asks for.
pub const SP800_90B_SAMPLES: u64 = 1_000_000;

/// One trace assessed under one more extraction (`sweep --extract` with a list).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExtractionAssessment {
    /// How durations became symbols.
    pub extraction: Extraction,
    /// Symbol width, bits.
    pub bits: u8,
    /// H_assessed, bits per symbol.
    pub h_assessed: f64,
}

/// What the summary needs from one result.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Configuration id.
    pub config_id: String,
    /// Collector backend (`None`: symbol file).
    pub backend: Option<String>,
    /// Timers, sockets, watchers (`None`: symbol file).
    pub counts: Option<[u64; 3]>,
    /// Every other knob, as one comparable key.
    pub key: String,
    /// Samples in the run.
    pub samples: u64,
    /// The main extraction and its assessment.
    pub main: ExtractionAssessment,
    /// Shannon entropy of the symbols, bits/symbol.
    pub shannon: f64,
    /// Plug-in min-entropy (-log2 of the most common symbol's frequency), bits/symbol.
    pub min_entropy: f64,
    /// The collection, when the input was a trace that recorded it.
    pub collection: Option<CollectionInfo>,
    /// The IID verdict, when the IID track ran.
    pub iid: Option<bool>,
    /// The observed tick of the durations (their GCD), ns.
    pub tick_ns: Option<u64>,
    /// Virtualisation the collector detected.
    pub virtualization: Option<String>,
    /// The other extractions of the same trace.
    pub extractions: Vec<ExtractionAssessment>,
    /// The machine it ran on, `host (os kernel[, virtualisation])`; when the observations
    /// come from more than one, every configuration is summarised per host.
    pub host: Option<String>,
    /// The collection profile when it is not kqent's design (`openentropy`).
    pub profile: Option<String>,
    /// The knobs every profile takes from the user besides the counts (the timeout), as one
    /// comparable key: configurations of two profiles are compared when counts and this
    /// key are equal.
    pub profile_key: String,
}

/// Per-configuration rate and cost over repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateStats {
    /// Samples per second of collection.
    pub samples_per_s: Spread,
    /// Assessed min-entropy per second of collection, bits/s.
    pub bits_per_s: Spread,
    /// Per CPU-second of the collecting process, when every repetition recorded its CPU time.
    pub bits_per_cpu_s: Option<Spread>,
    /// Seconds of collection to gather 320 bits, when every repetition has entropy.
    pub seconds_to_320_bits: Option<Spread>,
}

/// One configuration over its repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigStats {
    /// Configuration id.
    pub config_id: String,
    /// Its role in the comparisons.
    pub role: Role,
    /// Collector backend.
    pub backend: Option<String>,
    /// Timers, sockets, watchers.
    pub counts: Option<[u64; 3]>,
    /// Fewest samples of any repetition.
    pub samples: u64,
    /// Symbol width, bits.
    pub bits: u8,
    /// H_assessed, bits/symbol.
    pub h_assessed: Spread,
    /// Shannon entropy, bits/symbol.
    pub shannon: Spread,
    /// Plug-in min-entropy, bits/symbol.
    pub min_entropy: Spread,
    /// Rate and cost, when every repetition recorded its collection.
    pub rate: Option<RateStats>,
    /// Repetitions whose IID tests passed, and how many ran them (`None`: none did).
    pub iid_passed: Option<[usize; 2]>,
    /// The host, when the sweep's results come from several: then `config_id` is
    /// `<configuration>@<host name>` and each host of a configuration is its own row,
    /// never pooled with the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// One configuration under one extraction, the same traces for every extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractionStats {
    /// Configuration id.
    pub config_id: String,
    /// The extraction.
    pub extraction: Extraction,
    /// Symbol width, bits.
    pub bits: u8,
    /// Whether it is the sweep's main extraction (the one every other figure uses).
    pub main: bool,
    /// H_assessed, bits/symbol.
    pub per_symbol: Spread,
    /// H_assessed / symbol width: the share of each extracted bit that is entropy.
    pub per_bit: Spread,
    /// H_assessed x samples / collection seconds, bits/s, when the collection is known.
    pub per_second: Option<Spread>,
}

/// Something the reader must know before citing a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    /// Runs are shorter than SP 800-90B's 1,000,000 samples.
    FewSamples {
        /// Fewest samples of any run.
        min_samples: u64,
    },
    /// The durations share a tick above 1 ns: their lowest bits are not random.
    CoarseTick {
        /// Largest observed tick, ns.
        tick_ns: u64,
    },
    /// The clock the durations were read from.
    Clock {
        /// Its name.
        name: String,
        /// Its resolution, ns (0: unknown).
        resolution_ns: u64,
    },
    /// The collector ran in a virtual machine.
    Virtualized {
        /// What was detected.
        what: String,
    },
    /// Fewer than the minimum repetitions per configuration.
    FewRepetitions {
        /// Fewest repetitions of any configuration.
        min: usize,
        /// The minimum the comparisons ask for.
        wanted: usize,
    },
    /// Collections overlapped with analysis (`--pipeline`).
    Pipelined,
    /// The synthetic mock backend, not an OS.
    Mock,
    /// The results come from several hosts: each is shown and compared apart.
    SeveralHosts {
        /// Every host, `host (os kernel[, virtualisation])`.
        hosts: Vec<String>,
    },
}

/// The summary of a sweep (or of a single result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The decision rules of the comparisons.
    pub options: FamilyOptions,
    /// Every configuration, in the results' order.
    pub configs: Vec<ConfigStats>,
    /// The family of comparisons.
    pub comparisons: Vec<Comparison>,
    /// "Does combining event kinds add entropy?", when the sweep can answer it.
    pub kinds_answer: Option<KindsAnswer>,
    /// The configuration (not the clock control) with the highest mean H_assessed.
    pub best_by_h: Option<String>,
    /// The configuration (not the clock control) with the highest mean bits/s.
    pub best_by_rate: Option<String>,
    /// Every configuration under every extraction (only when the sweep ran several).
    pub extractions: Vec<ExtractionStats>,
    /// What applies.
    pub caveats: Vec<Caveat>,
}

/// Whether the collections overlapped with analysis, from the sweep manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepFacts {
    /// `--pipeline` was given.
    pub pipelined: bool,
}

fn spread_of(v: impl Iterator<Item = f64>) -> Option<Spread> {
    Spread::of(&v.collect::<Vec<f64>>())
}

/// The hosts of `observations` (first-appearance order), and what names each in a
/// configuration's id: the host name when that tells the hosts apart, else the whole label.
fn hosts_of(observations: &[Observation]) -> (Vec<&str>, Vec<String>) {
    let mut hosts: Vec<&str> = Vec::new();
    for h in observations.iter().filter_map(|o| o.host.as_deref()) {
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    let short: Vec<String> = hosts
        .iter()
        .map(|h| h.split(" (").next().unwrap_or(h).to_string())
        .collect();
    let distinct = short
        .iter()
        .enumerate()
        .all(|(i, s)| !short[..i].contains(s));
    let names = if distinct {
        short
    } else {
        hosts.iter().map(|h| h.to_string()).collect()
    };
    (hosts, names)
}

/// The row of `o` given every host present and the name of each.
fn row_of(o: &Observation, hosts: &[&str], names: &[String]) -> String {
    match o
        .host
        .as_deref()
        .and_then(|h| hosts.iter().position(|x| *x == h))
    {
        Some(i) if hosts.len() > 1 => format!("{}@{}", o.config_id, names[i]),
        _ => o.config_id.clone(),
    }
}

/// The row each observation belongs to in a summary: its configuration id, or
/// `<configuration>@<host>` when the observations come from more than one host (the host
/// name when that tells them apart, else the whole host label). Renderers that group
/// results use it too, so that no table pools hosts the summary keeps apart.
pub fn row_ids(observations: &[Observation]) -> Vec<String> {
    let (hosts, names) = hosts_of(observations);
    observations
        .iter()
        .map(|o| row_of(o, &hosts, &names))
        .collect()
}

/// Summarises `observations` (any order; grouped by config id in first-appearance order,
/// and by host too when they come from several: [`row_ids`]).
pub fn summarize(
    observations: &[Observation],
    facts: SweepFacts,
    options: FamilyOptions,
) -> Summary {
    let (hosts, host_names) = hosts_of(observations);
    let several = hosts.len() > 1;
    // The row a result belongs to: its configuration, on its host when there are several.
    let ident = |o: &Observation| row_of(o, &hosts, &host_names);
    let idents: Vec<String> = observations.iter().map(ident).collect();
    let mut order: Vec<&str> = Vec::new();
    for id in &idents {
        if !order.contains(&id.as_str()) {
            order.push(id);
        }
    }
    let groups: Vec<Vec<&Observation>> = order
        .iter()
        .map(|id| {
            observations
                .iter()
                .zip(&idents)
                .filter(|(_, i)| i == id)
                .map(|(o, _)| o)
                .collect()
        })
        .collect();
    let mut configs = Vec::new();
    let mut extractions = Vec::new();
    let mut h_values: Vec<Vec<f64>> = Vec::new();
    for g in &groups {
        let first = g[0];
        let Some(h) = spread_of(g.iter().map(|o| o.main.h_assessed)) else {
            continue;
        };
        let rates: Option<Vec<RunRate>> = g
            .iter()
            .map(|o| {
                o.collection
                    .as_ref()
                    .and_then(|c| RunRate::of(o.main.h_assessed, o.samples, c))
            })
            .collect();
        let rate = rates.as_ref().and_then(|r| {
            Some(RateStats {
                samples_per_s: spread_of(r.iter().map(|x| x.samples_per_s))?,
                bits_per_s: spread_of(r.iter().map(|x| x.bits_per_s))?,
                bits_per_cpu_s: r
                    .iter()
                    .map(|x| x.bits_per_cpu_s)
                    .collect::<Option<Vec<f64>>>()
                    .and_then(|v| Spread::of(&v)),
                seconds_to_320_bits: r
                    .iter()
                    .map(|x| x.seconds_to_320_bits)
                    .collect::<Option<Vec<f64>>>()
                    .and_then(|v| Spread::of(&v)),
            })
        });
        let verdicts: Vec<bool> = g.iter().filter_map(|o| o.iid).collect();
        configs.push(ConfigStats {
            config_id: ident(first),
            host: first.host.clone().filter(|_| several),
            role: Role::of(first.backend.as_deref(), first.counts),
            backend: first.backend.clone(),
            counts: first.counts,
            samples: g.iter().map(|o| o.samples).min().unwrap_or(0),
            bits: first.main.bits,
            h_assessed: h,
            shannon: spread_of(g.iter().map(|o| o.shannon)).unwrap_or(h),
            min_entropy: spread_of(g.iter().map(|o| o.min_entropy)).unwrap_or(h),
            rate,
            iid_passed: (!verdicts.is_empty())
                .then(|| [verdicts.iter().filter(|&&v| v).count(), verdicts.len()]),
        });
        h_values.push(g.iter().map(|o| o.main.h_assessed).collect());
        // Extractions: only when every repetition has the same list.
        let all: Vec<Vec<ExtractionAssessment>> = g
            .iter()
            .map(|o| {
                let mut v = vec![o.main];
                v.extend(o.extractions.iter().copied());
                v
            })
            .collect();
        if first.extractions.is_empty() {
            continue;
        }
        for (k, e) in all[0].iter().enumerate() {
            let per_run: Option<Vec<(&Observation, ExtractionAssessment)>> = g
                .iter()
                .zip(&all)
                .map(|(o, list)| {
                    list.get(k)
                        .filter(|x| x.extraction == e.extraction)
                        .map(|x| (*o, *x))
                })
                .collect();
            let Some(per_run) = per_run else { continue };
            let per_second: Option<Vec<f64>> = per_run
                .iter()
                .map(|(o, x)| {
                    o.collection
                        .as_ref()
                        .and_then(|c| RunRate::of(x.h_assessed, o.samples, c))
                        .map(|r| r.bits_per_s)
                })
                .collect();
            let (Some(per_symbol), Some(per_bit)) = (
                spread_of(per_run.iter().map(|(_, x)| x.h_assessed)),
                spread_of(
                    per_run
                        .iter()
                        .map(|(_, x)| x.h_assessed / f64::from(x.bits.max(1))),
                ),
            ) else {
                continue;
            };
            extractions.push(ExtractionStats {
                config_id: ident(first),
                extraction: e.extraction,
                bits: e.bits,
                main: k == 0,
                per_symbol,
                per_bit,
                per_second: per_second.and_then(|v| Spread::of(&v)),
            });
        }
    }
    // Comparisons of configurations stay within a host: the host is part of the key.
    let kept: Vec<&Observation> = groups
        .iter()
        .filter(|g| spread_of(g.iter().map(|o| o.main.h_assessed)).is_some())
        .map(|g| g[0])
        .collect();
    let keys: Vec<String> = kept
        .iter()
        .map(|o| match (&o.host, several) {
            (Some(h), true) => format!("{}@{h}", o.key),
            _ => o.key.clone(),
        })
        .collect();
    // Profile comparisons stay within a host too.
    let profile_keys: Vec<String> = kept
        .iter()
        .map(|o| match (&o.host, several) {
            (Some(h), true) => format!("{}@{h}", o.profile_key),
            _ => o.profile_key.clone(),
        })
        .collect();
    let family: Vec<Group<'_>> = configs
        .iter()
        .zip(&h_values)
        .zip(&keys)
        .zip(&kept)
        .zip(&profile_keys)
        .map(|((((c, v), key), o), profile_key)| Group {
            id: &c.config_id,
            role: c.role,
            counts: c.counts.unwrap_or([0; 3]),
            key,
            values: v,
            config: &o.config_id,
            host: o.host.as_deref().filter(|_| several),
            profile: o.profile.as_deref(),
            profile_key,
        })
        .collect();
    let (comparisons, kinds_answer) = compare_family(&family, &options);
    let best = |f: &dyn Fn(&ConfigStats) -> Option<f64>| {
        configs
            .iter()
            .filter(|c| c.role != Role::ClockControl)
            .filter_map(|c| f(c).map(|v| (v, c)))
            .fold(None::<(f64, &ConfigStats)>, |b, (v, c)| match b {
                Some((bv, _)) if bv >= v => b,
                _ => Some((v, c)),
            })
            .map(|(_, c)| c.config_id.clone())
    };
    let best_by_h = best(&|c| Some(c.h_assessed.mean));
    let best_by_rate = best(&|c| c.rate.as_ref().map(|r| r.bits_per_s.mean));
    Summary {
        caveats: caveats(observations, &configs, facts, &options),
        options,
        configs,
        comparisons,
        kinds_answer,
        best_by_h,
        best_by_rate,
        extractions,
    }
}

fn caveats(
    obs: &[Observation],
    configs: &[ConfigStats],
    facts: SweepFacts,
    options: &FamilyOptions,
) -> Vec<Caveat> {
    let mut out = Vec::new();
    if let Some(min) = obs.iter().map(|o| o.samples).min() {
        if min < SP800_90B_SAMPLES {
            out.push(Caveat::FewSamples { min_samples: min });
        }
    }
    if let Some(t) = obs.iter().filter_map(|o| o.tick_ns).max() {
        if t > 1 {
            out.push(Caveat::CoarseTick { tick_ns: t });
        }
    }
    let mut clocks: Vec<(String, u64)> = obs
        .iter()
        .filter_map(|o| o.collection.as_ref())
        .map(|c| (c.clock.clone(), c.clock_resolution_ns))
        .collect();
    clocks.sort();
    clocks.dedup();
    out.extend(
        clocks
            .into_iter()
            .map(|(name, resolution_ns)| Caveat::Clock {
                name,
                resolution_ns,
            }),
    );
    let mut virt: Vec<String> = obs
        .iter()
        .filter_map(|o| o.virtualization.clone())
        .collect();
    virt.sort();
    virt.dedup();
    out.extend(virt.into_iter().map(|what| Caveat::Virtualized { what }));
    if let Some(min) = configs.iter().map(|c| c.h_assessed.n).min() {
        if min < options.min_repetitions {
            out.push(Caveat::FewRepetitions {
                min,
                wanted: options.min_repetitions,
            });
        }
    }
    if facts.pipelined {
        out.push(Caveat::Pipelined);
    }
    if obs.iter().any(|o| o.backend.as_deref() == Some("mock")) {
        out.push(Caveat::Mock);
    }
    let (hosts, _) = hosts_of(obs);
    if hosts.len() > 1 {
        out.push(Caveat::SeveralHosts {
            hosts: hosts.into_iter().map(str::to_string).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(id: &str, counts: [u64; 3], h: f64) -> Observation {
        Observation {
            config_id: id.into(),
            backend: Some("epoll".into()),
            counts: Some(counts),
            key: "k".into(),
            samples: 10_000,
            main: ExtractionAssessment {
                extraction: Extraction::Lsb(4),
                bits: 4,
                h_assessed: h,
            },
            shannon: h + 0.5,
            min_entropy: h + 0.2,
            collection: Some(CollectionInfo {
                wall_ns: 1_000_000_000,
                cpu_ns: Some(250_000_000),
                clock: "CLOCK_MONOTONIC_RAW".into(),
                clock_resolution_ns: 1,
            }),
            iid: Some(h > 1.5),
            tick_ns: Some(1),
            virtualization: Some("kvm".into()),
            extractions: vec![ExtractionAssessment {
                extraction: Extraction::XorFold,
                bits: 8,
                h_assessed: 2.0 * h,
            }],
            host: Some("a (linux 6.1)".into()),
            profile: None,
            profile_key: "to1".into(),
        }
    }

    #[test]
    fn spreads_rates_extractions_and_caveats() {
        let o = vec![
            obs("e", [0, 0, 0], 1.0),
            obs("t", [4, 0, 0], 2.0),
            obs("e", [0, 0, 0], 1.2),
            obs("t", [4, 0, 0], 2.2),
        ];
        let s = summarize(&o, SweepFacts { pipelined: true }, FamilyOptions::default());
        assert_eq!(s.configs.len(), 2);
        let t = &s.configs[1];
        assert_eq!(
            (t.config_id.as_str(), t.role, t.h_assessed.n),
            ("t", Role::SingleKind, 2)
        );
        assert!((t.h_assessed.mean - 2.1).abs() < 1e-12);
        assert!((t.min_entropy.mean - 2.3).abs() < 1e-12);
        let r = t.rate.as_ref().unwrap();
        // 2.1 bits x 10,000 samples per second; four times that per CPU-second.
        assert!((r.bits_per_s.mean - 21_000.0).abs() < 1e-6);
        assert!((r.bits_per_cpu_s.unwrap().mean - 84_000.0).abs() < 1e-6);
        assert_eq!(t.iid_passed, Some([2, 2]));
        assert_eq!(s.best_by_h.as_deref(), Some("t"));
        assert_eq!(s.best_by_rate.as_deref(), Some("t"));
        assert_eq!(s.comparisons.len(), 1);
        assert!(s.kinds_answer.is_none());
        // Two extractions per configuration, per bit of width.
        assert_eq!(s.extractions.len(), 4);
        let x = &s.extractions[3];
        assert_eq!((x.extraction, x.main), (Extraction::XorFold, false));
        assert!((x.per_bit.mean - 4.2 / 8.0).abs() < 1e-12);
        assert!((x.per_second.unwrap().mean - 42_000.0).abs() < 1e-6);
        let kinds: Vec<&str> = s
            .caveats
            .iter()
            .map(|c| match c {
                Caveat::FewSamples { .. } => "samples",
                Caveat::CoarseTick { .. } => "tick",
                Caveat::Clock { .. } => "clock",
                Caveat::Virtualized { .. } => "vm",
                Caveat::FewRepetitions { .. } => "reps",
                Caveat::Pipelined => "pipeline",
                Caveat::Mock => "mock",
                Caveat::SeveralHosts { .. } => "hosts",
            })
            .collect();
        assert_eq!(kinds, vec!["samples", "clock", "vm", "reps", "pipeline"]);
    }
}
