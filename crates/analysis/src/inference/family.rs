//! The comparisons of a kinds sweep and the answer to "does combining event kinds add
//! entropy?".
//!
//! The family: every single kind against the empty queue (the same knobs with every source
//! count 0), every combination against the empty queue and against its best single kind
//! (the part with the highest mean), and the empty queue against the clock-only control
//! (the measurement's own floor). Each is a Welch test of mean H_assessed over repetitions;
//! the p-values are Holm-adjusted over the whole family. A comparison reads *more* or
//! *less* when its adjusted p-value is at most alpha, otherwise *no detectable difference*
//! together with the smallest difference this design could detect (at level alpha/m, the
//! first step of Holm, with the given power). It is *resolved* when it has at least
//! `min_repetitions` per side and, without a difference, that detectable difference is at
//! most `margin`; otherwise more repetitions are needed and an estimate of how many is
//! given (the observed standard deviations, equal repetitions per side, until the
//! detectable difference falls to the larger of the margin and the observed difference).
//!
//! When a sweep holds configurations of another collection profile (openentropy's shipped
//! loop) besides kqent's design, each of them is also compared with every kqent configuration
//! of the same source counts and profile key (the knobs both loops take from the user), in
//! the same family; the kinds comparisons stay within a profile (its key includes it).

use serde::{Deserialize, Serialize};

use super::welch::{detectable_difference, welch, welch_df, Welch};
use crate::AnalysisError;

/// What a configuration is in the comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The clock-only control (`--backend clock`): two clock reads, no wait call.
    ClockControl,
    /// No sources at all: the wait call only times out.
    EmptyQueue,
    /// Exactly one kind of source.
    SingleKind,
    /// Two or more kinds.
    Combination,
    /// Not from a collector (a symbol file).
    Other,
}

impl Role {
    /// The role of a configuration from its backend and its (timers, sockets, watchers)
    /// counts.
    ///
    /// ```
    /// use kqent_analysis::inference::Role;
    /// assert_eq!(Role::of(Some("epoll"), Some([4, 0, 4])), Role::Combination);
    /// assert_eq!(Role::of(Some("clock"), Some([0, 0, 0])), Role::ClockControl);
    /// ```
    pub fn of(backend: Option<&str>, counts: Option<[u64; 3]>) -> Role {
        if backend == Some("clock") {
            return Role::ClockControl;
        }
        match counts.map(|c| c.iter().filter(|&&n| n > 0).count()) {
            None => Role::Other,
            Some(0) => Role::EmptyQueue,
            Some(1) => Role::SingleKind,
            Some(_) => Role::Combination,
        }
    }
}

/// One configuration as the family sees it.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// Configuration id.
    pub id: &'a str,
    /// Its role.
    pub role: Role,
    /// Timers, sockets, watchers.
    pub counts: [u64; 3],
    /// The other knobs; only configurations with equal keys are compared (the clock control
    /// is compared with every empty queue).
    pub key: &'a str,
    /// H_assessed of each repetition.
    pub values: &'a [f64],
    /// The configuration id without the host (equal to `id` in a one-host sweep).
    pub config: &'a str,
    /// The host, when the sweep's results come from several: comparisons of configurations
    /// stay within a host, and each host is compared with the first for the same
    /// configuration ([`ComparisonKind::HostVsHost`]).
    pub host: Option<&'a str>,
    /// The collection profile when it is not kqent's design (`None`).
    pub profile: Option<&'a str>,
    /// The knobs every profile takes from the user (the timeout): configurations of two
    /// profiles with equal counts and equal profile keys are compared.
    pub profile_key: &'a str,
}

/// Which comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// A single kind against the empty queue.
    KindVsEmpty,
    /// A combination against the empty queue.
    CombinationVsEmpty,
    /// A combination against its best single kind.
    CombinationVsBestSingle,
    /// The empty queue against the clock-only control.
    EmptyVsClock,
    /// One configuration on one host against the same configuration on the first host
    /// it ran on (a merge of several hosts): a difference means the hosts must not be pooled.
    HostVsHost,
    /// A configuration of another collection profile (openentropy's shipped loop) against
    /// kqent's design with the same sources.
    ProfileVsKqent,
}

/// The test's reading of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Subject above reference (Holm-adjusted p <= alpha).
    More,
    /// Subject below reference.
    Less,
    /// No detectable difference.
    NoDetectableDifference,
    /// A side has fewer than 2 repetitions: no test is possible.
    Untestable,
}

/// The decision rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FamilyOptions {
    /// Family-wise error rate (Holm).
    pub alpha: f64,
    /// Power at which the detectable difference is computed.
    pub power: f64,
    /// Differences below this many bits/symbol do not matter: a comparison without a
    /// difference is resolved only when it could have detected this much.
    pub margin: f64,
    /// Fewest repetitions per side for a resolved comparison.
    pub min_repetitions: usize,
}

/// The widest margin a user may set: a difference of a whole byte's entropy.
pub const MAX_MARGIN: f64 = 8.0;

impl FamilyOptions {
    /// The default rules with `alpha` and `margin`, after checking them: `alpha` in (0, 1),
    /// `margin` in (0, [`MAX_MARGIN`]] bits/symbol.
    ///
    /// ```
    /// use kqent_analysis::inference::FamilyOptions;
    /// assert_eq!(FamilyOptions::with_rules(0.01, 0.1).unwrap().alpha, 0.01);
    /// assert!(FamilyOptions::with_rules(0.05, 0.0).is_err());
    /// assert!(FamilyOptions::with_rules(f64::NAN, 0.05).is_err());
    /// ```
    pub fn with_rules(alpha: f64, margin: f64) -> Result<FamilyOptions, AnalysisError> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(AnalysisError::InvalidArgument(format!(
                "alpha must be in (0, 1), got {alpha}"
            )));
        }
        if !(margin > 0.0 && margin <= MAX_MARGIN) {
            return Err(AnalysisError::InvalidArgument(format!(
                "the margin must be in (0, {MAX_MARGIN}] bits/symbol, got {margin}"
            )));
        }
        Ok(FamilyOptions {
            alpha,
            margin,
            ..FamilyOptions::default()
        })
    }
}

impl Default for FamilyOptions {
    fn default() -> Self {
        FamilyOptions {
            alpha: 0.05,
            power: 0.8,
            margin: 0.05,
            min_repetitions: 3,
        }
    }
}

/// One comparison of the family: `subject - reference`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Which comparison.
    pub kind: ComparisonKind,
    /// Configuration id of the subject.
    pub subject: String,
    /// Configuration id of the reference.
    pub reference: String,
    /// Mean H_assessed of the subject, bits/symbol.
    pub subject_mean: f64,
    /// Mean H_assessed of the reference.
    pub reference_mean: f64,
    /// Welch's test (difference, its 95% CI, p-value); `None` when untestable.
    pub welch: Option<Welch>,
    /// Holm-adjusted p-value over the family.
    pub p_holm: Option<f64>,
    /// Smallest difference this design detects (level alpha/m, the given power), bits.
    pub detectable: Option<f64>,
    /// The reading.
    pub verdict: Verdict,
    /// Whether the reading is settled (see the module documentation).
    pub resolved: bool,
    /// Estimated repetitions per side that would settle it, when it is not settled and
    /// the estimate exists (at most [`MAX_REPETITIONS`]).
    pub repetitions_needed: Option<u32>,
}

/// Largest repetition count [`Comparison::repetitions_needed`] looks at.
pub const MAX_REPETITIONS: u32 = 1000;

/// The overall answer to "does combining event kinds add entropy?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Every combination is above its best single kind.
    Yes,
    /// No combination is above its best single kind, and each could have shown it.
    No,
    /// Some combinations are above, the others settled not above.
    Mixed,
    /// Too few repetitions or intervals too wide to say.
    Inconclusive,
}

/// The answer with the counts it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindsAnswer {
    /// The answer.
    pub answer: Answer,
    /// Combination-vs-best-single comparisons.
    pub comparisons: usize,
    /// Of which: more.
    pub more: usize,
    /// Less.
    pub less: usize,
    /// No detectable difference.
    pub no_difference: usize,
    /// Untestable.
    pub untestable: usize,
    /// Not settled.
    pub unresolved: usize,
    /// Fewest repetitions of any configuration in these comparisons.
    pub min_repetitions: usize,
    /// Repetitions per configuration that would settle every comparison (estimate; `None`
    /// when settled, or when it cannot be estimated).
    pub repetitions_needed: Option<u32>,
    /// Largest detectable difference among the comparisons without a difference, bits.
    pub widest_detectable: Option<f64>,
}

fn needed(a: &[f64], b: &[f64], diff: f64, m: usize, o: &FamilyOptions) -> Option<u32> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let var = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    };
    let (va, vb) = (var(a), var(b));
    let target = o.margin.max(diff.abs());
    let alpha = o.alpha / m.max(1) as f64;
    (o.min_repetitions.max(2) as u32..=MAX_REPETITIONS).find(|&n| {
        let nf = f64::from(n);
        let se = ((va + vb) / nf).sqrt();
        se == 0.0 || detectable_difference(se, welch_df(va, nf, vb, nf), alpha, o.power) <= target
    })
}

/// The family of comparisons among `groups` and the kinds answer (`None` when there is no
/// combination with all its single kinds present).
pub fn compare_family(
    groups: &[Group<'_>],
    o: &FamilyOptions,
) -> (Vec<Comparison>, Option<KindsAnswer>) {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut pairs: Vec<(ComparisonKind, usize, usize)> = Vec::new();
    let empty_of = |g: &Group<'_>| {
        groups
            .iter()
            .position(|e| e.role == Role::EmptyQueue && e.key == g.key)
    };
    for (i, g) in groups.iter().enumerate() {
        match g.role {
            Role::SingleKind => {
                if let Some(e) = empty_of(g) {
                    pairs.push((ComparisonKind::KindVsEmpty, i, e));
                }
            }
            Role::Combination => {
                if let Some(e) = empty_of(g) {
                    pairs.push((ComparisonKind::CombinationVsEmpty, i, e));
                }
                let mut parts = Vec::new();
                for k in 0..3 {
                    if g.counts[k] == 0 {
                        continue;
                    }
                    let mut want = [0u64; 3];
                    want[k] = g.counts[k];
                    if let Some(p) = groups.iter().position(|s| {
                        s.role == Role::SingleKind && s.counts == want && s.key == g.key
                    }) {
                        parts.push(p);
                    }
                }
                let n_kinds = g.counts.iter().filter(|&&n| n > 0).count();
                if parts.len() == n_kinds {
                    // Ties: the first part in (timers, sockets, watchers) order.
                    let best = parts.iter().copied().fold(parts[0], |b, p| {
                        if mean(groups[p].values) > mean(groups[b].values) {
                            p
                        } else {
                            b
                        }
                    });
                    pairs.push((ComparisonKind::CombinationVsBestSingle, i, best));
                }
            }
            Role::EmptyQueue => {
                for (c, cg) in groups.iter().enumerate() {
                    if cg.role == Role::ClockControl && cg.host == g.host {
                        pairs.push((ComparisonKind::EmptyVsClock, i, c));
                    }
                }
            }
            Role::ClockControl | Role::Other => {}
        }
    }
    // Host as a factor: each further host of a configuration against its first host.
    for (i, g) in groups.iter().enumerate() {
        if g.host.is_none() {
            continue;
        }
        if let Some(first) = groups.iter().position(|o| o.config == g.config) {
            if first != i && groups[first].host != g.host {
                pairs.push((ComparisonKind::HostVsHost, i, first));
            }
        }
    }
    // The profiles compared, configuration by configuration, after the kinds family.
    for (i, g) in groups.iter().enumerate() {
        if g.profile.is_none() || matches!(g.role, Role::ClockControl | Role::Other) {
            continue;
        }
        for (k, r) in groups.iter().enumerate() {
            if r.profile.is_none()
                && !matches!(r.role, Role::ClockControl | Role::Other)
                && r.counts == g.counts
                && r.profile_key == g.profile_key
            {
                pairs.push((ComparisonKind::ProfileVsKqent, i, k));
            }
        }
    }
    let tests: Vec<Option<Welch>> = pairs
        .iter()
        .map(|&(_, a, b)| welch(groups[a].values, groups[b].values))
        .collect();
    let tested: Vec<f64> = tests.iter().flatten().map(|w| w.p_value).collect();
    let m = tested.len();
    let mut adjusted = super::holm::holm(&tested).into_iter();
    let alpha_m = o.alpha / m.max(1) as f64;
    let comparisons: Vec<Comparison> = pairs
        .iter()
        .zip(tests)
        .map(|(&(kind, a, b), w)| {
            let (ga, gb) = (&groups[a], &groups[b]);
            let enough =
                ga.values.len() >= o.min_repetitions && gb.values.len() >= o.min_repetitions;
            let p_holm = w.as_ref().and_then(|_| adjusted.next());
            let detectable = w
                .as_ref()
                .map(|w| detectable_difference(w.se, w.df, alpha_m, o.power));
            let verdict = match (&w, p_holm) {
                (Some(w), Some(p)) if p <= o.alpha && w.diff > 0.0 => Verdict::More,
                (Some(w), Some(p)) if p <= o.alpha && w.diff < 0.0 => Verdict::Less,
                (Some(_), _) => Verdict::NoDetectableDifference,
                (None, _) => Verdict::Untestable,
            };
            let resolved = enough
                && match verdict {
                    Verdict::More | Verdict::Less => true,
                    Verdict::NoDetectableDifference => detectable.is_some_and(|d| d <= o.margin),
                    Verdict::Untestable => false,
                };
            let diff = mean(ga.values) - mean(gb.values);
            Comparison {
                kind,
                subject: ga.id.to_string(),
                reference: gb.id.to_string(),
                subject_mean: mean(ga.values),
                reference_mean: mean(gb.values),
                welch: w,
                p_holm,
                detectable,
                verdict,
                resolved,
                repetitions_needed: if resolved {
                    None
                } else {
                    needed(ga.values, gb.values, diff, m, o)
                },
            }
        })
        .collect();
    let answer = kinds_answer(&comparisons, groups);
    (comparisons, answer)
}

fn kinds_answer(comparisons: &[Comparison], groups: &[Group<'_>]) -> Option<KindsAnswer> {
    let rows: Vec<&Comparison> = comparisons
        .iter()
        .filter(|c| c.kind == ComparisonKind::CombinationVsBestSingle)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let count = |v: Verdict| rows.iter().filter(|c| c.verdict == v).count();
    let (more, less) = (count(Verdict::More), count(Verdict::Less));
    let unresolved: Vec<&&Comparison> = rows.iter().filter(|c| !c.resolved).collect();
    let reps = |id: &str| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map_or(0, |g| g.values.len())
    };
    let min_repetitions = rows
        .iter()
        .map(|c| reps(&c.subject).min(reps(&c.reference)))
        .min()
        .unwrap_or(0);
    let repetitions_needed = if unresolved.is_empty() {
        None
    } else {
        unresolved
            .iter()
            .map(|c| c.repetitions_needed)
            .collect::<Option<Vec<u32>>>()
            .and_then(|v| v.into_iter().max())
    };
    let answer = if !unresolved.is_empty() {
        Answer::Inconclusive
    } else if more == rows.len() {
        Answer::Yes
    } else if more == 0 {
        Answer::No
    } else {
        Answer::Mixed
    };
    Some(KindsAnswer {
        answer,
        comparisons: rows.len(),
        more,
        less,
        no_difference: count(Verdict::NoDetectableDifference),
        untestable: count(Verdict::Untestable),
        unresolved: unresolved.len(),
        min_repetitions,
        repetitions_needed,
        widest_detectable: rows
            .iter()
            .filter(|c| c.verdict == Verdict::NoDetectableDifference)
            .filter_map(|c| c.detectable)
            .reduce(f64::max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g<'a>(id: &'a str, counts: [u64; 3], values: &'a [f64]) -> Group<'a> {
        Group {
            id,
            role: Role::of(Some("epoll"), Some(counts)),
            counts,
            key: "k",
            values,
            config: id,
            host: None,
            profile: None,
            profile_key: "to1",
        }
    }

    #[test]
    fn builds_the_family_and_reads_clear_differences() {
        let empty = [1.00, 1.01, 0.99, 1.00];
        let t = [2.00, 2.01, 1.99, 2.00];
        let s = [1.50, 1.51, 1.49, 1.50];
        let ts = [3.00, 3.01, 2.99, 3.00];
        let clock = [0.50, 0.51, 0.49, 0.50];
        let mut groups = vec![
            g("e", [0, 0, 0], &empty),
            g("t", [4, 0, 0], &t),
            g("s", [0, 4, 0], &s),
            g("ts", [4, 4, 0], &ts),
        ];
        groups.push(Group {
            id: "clock",
            role: Role::ClockControl,
            counts: [0, 0, 0],
            key: "other",
            values: &clock,
            config: "clock",
            host: None,
            profile: None,
            profile_key: "to1",
        });
        let (c, answer) = compare_family(&groups, &FamilyOptions::default());
        let kinds: Vec<(ComparisonKind, &str, &str)> = c
            .iter()
            .map(|c| (c.kind, c.subject.as_str(), c.reference.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (ComparisonKind::EmptyVsClock, "e", "clock"),
                (ComparisonKind::KindVsEmpty, "t", "e"),
                (ComparisonKind::KindVsEmpty, "s", "e"),
                (ComparisonKind::CombinationVsEmpty, "ts", "e"),
                (ComparisonKind::CombinationVsBestSingle, "ts", "t"),
            ]
        );
        assert!(c.iter().all(|c| c.verdict == Verdict::More && c.resolved));
        // Holm over 5: the adjusted p-values are at least the raw ones.
        for x in &c {
            assert!(x.p_holm.unwrap() >= x.welch.unwrap().p_value);
        }
        let a = answer.unwrap();
        assert_eq!(
            (a.answer, a.more, a.comparisons, a.min_repetitions),
            (Answer::Yes, 1, 1, 4)
        );
    }

    #[test]
    fn too_few_repetitions_or_wide_intervals_are_inconclusive() {
        let (e, t, s) = ([1.0, 1.2], [1.1, 1.3], [1.0, 1.1]);
        let ts = [1.2, 1.0];
        let groups = [
            g("e", [0, 0, 0], &e),
            g("t", [4, 0, 0], &t),
            g("s", [0, 4, 0], &s),
            g("ts", [4, 4, 0], &ts),
        ];
        let (_, a) = compare_family(&groups, &FamilyOptions::default());
        let a = a.unwrap();
        assert_eq!(a.answer, Answer::Inconclusive);
        assert_eq!(a.min_repetitions, 2);
        assert!(a.repetitions_needed.unwrap() > 3);
        // Three noisy repetitions: no difference, but the design could not see 0.05 bits.
        let (e, t, s, ts) = (
            [1.0, 1.2, 1.1],
            [1.1, 1.3, 1.0],
            [1.0, 1.1, 1.2],
            [1.2, 1.0, 1.1],
        );
        let groups = [
            g("e", [0, 0, 0], &e),
            g("t", [4, 0, 0], &t),
            g("s", [0, 4, 0], &s),
            g("ts", [4, 4, 0], &ts),
        ];
        let (c, a) = compare_family(&groups, &FamilyOptions::default());
        let a = a.unwrap();
        assert_eq!(a.answer, Answer::Inconclusive);
        assert_eq!(a.no_difference, 1);
        assert!(a.widest_detectable.unwrap() > 0.05);
        let n = a.repetitions_needed.unwrap();
        // The estimate is self-consistent: at n repetitions per side the design reaches the
        // margin, one fewer does not.
        let row = c
            .iter()
            .find(|c| c.kind == ComparisonKind::CombinationVsBestSingle)
            .unwrap();
        assert_eq!(row.repetitions_needed, Some(n));
        // One repetition each: untestable.
        let one = [1.0];
        let groups = [
            g("e", [0, 0, 0], &one),
            g("t", [4, 0, 0], &one),
            g("s", [0, 4, 0], &one),
            g("ts", [4, 4, 0], &one),
        ];
        let (c, a) = compare_family(&groups, &FamilyOptions::default());
        assert!(c
            .iter()
            .all(|c| c.verdict == Verdict::Untestable && c.p_holm.is_none()));
        let a = a.unwrap();
        assert_eq!(
            (a.answer, a.untestable, a.repetitions_needed),
            (Answer::Inconclusive, 1, None)
        );
    }

    #[test]
    fn profiles_are_compared_source_for_source_in_the_same_family() {
        let (e, t) = ([1.0, 1.01, 0.99], [2.0, 2.01, 1.99]);
        let (oe, ot) = ([1.0, 1.02, 0.98], [3.0, 3.01, 2.99]);
        let ot_other_timeout = [3.0, 3.01, 2.99];
        let oe_group = |id: &'static str, counts, values: &'static [f64], pk: &'static str| Group {
            id,
            role: Role::of(Some("epoll"), Some(counts)),
            counts,
            key: "openentropy:k",
            values,
            profile: Some("openentropy"),
            profile_key: pk,
            config: id,
            host: None,
        };
        let groups = [
            g("e", [0, 0, 0], &e),
            g("t", [4, 0, 0], &t),
            oe_group("oe-e", [0, 0, 0], Box::leak(Box::new(oe)), "to1"),
            oe_group("oe-t", [4, 0, 0], Box::leak(Box::new(ot)), "to1"),
            // Another timeout: no kqent configuration to compare it with.
            Group {
                key: "openentropy:k5",
                ..oe_group(
                    "oe-t-to5",
                    [4, 0, 0],
                    Box::leak(Box::new(ot_other_timeout)),
                    "to5",
                )
            },
        ];
        let (c, answer) = compare_family(&groups, &FamilyOptions::default());
        let kinds: Vec<(ComparisonKind, &str, &str)> = c
            .iter()
            .map(|c| (c.kind, c.subject.as_str(), c.reference.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                // Each profile's kinds family within itself (keys differ by profile).
                (ComparisonKind::KindVsEmpty, "t", "e"),
                (ComparisonKind::KindVsEmpty, "oe-t", "oe-e"),
                (ComparisonKind::ProfileVsKqent, "oe-e", "e"),
                (ComparisonKind::ProfileVsKqent, "oe-t", "t"),
            ]
        );
        assert!(answer.is_none());
        let by = |s: &str| {
            c.iter()
                .find(|x| x.kind == ComparisonKind::ProfileVsKqent && x.subject == s)
                .unwrap()
        };
        assert_eq!(by("oe-t").verdict, Verdict::More);
        assert!((by("oe-t").welch.unwrap().diff - 1.0).abs() < 1e-12);
        assert_eq!(by("oe-e").verdict, Verdict::NoDetectableDifference);
        // Holm over all four: every adjusted p is at least its raw p.
        for x in &c {
            assert!(x.p_holm.unwrap() >= x.welch.unwrap().p_value);
        }
    }

    #[test]
    fn settled_no_difference_answers_no() {
        let base = [2.000, 2.001, 1.999, 2.000, 2.001, 1.999];
        let groups = [
            g("e", [0, 0, 0], &base),
            g("t", [4, 0, 0], &base),
            g("w", [0, 0, 4], &base),
            g("tw", [4, 0, 4], &base),
        ];
        let (c, a) = compare_family(&groups, &FamilyOptions::default());
        assert!(c
            .iter()
            .all(|c| c.verdict == Verdict::NoDetectableDifference && c.resolved));
        assert!(c.iter().all(|c| c.detectable.unwrap() < 0.05));
        assert_eq!(a.unwrap().answer, Answer::No);
    }
}
