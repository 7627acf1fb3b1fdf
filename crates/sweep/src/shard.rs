//! Shards: one sweep split over N machines (`kqent sweep --shard K/N`).
//!
//! A sweep's runs (configuration x repetition) have a canonical order ([`canonical_runs`]):
//! repetition by repetition, every configuration in the knob lists' order, then the clock
//! control. Shard K of N takes the runs at positions K-1, K-1+N, K-1+2N, ... of that order
//! ([`kqent_schema::Shard::owns`]): dealt like cards, so the shards differ by at most one
//! run and each sees every part of the grid and every repetition, rather than one shard
//! getting the first configurations and another the last (a machine that drifts or is
//! slower then touches the whole grid a little, not a block of it).
//!
//! The dealing depends only on the grid (knob lists, `repeat`, clock control) and N, and
//! each run's seed only on the sweep seed, its configuration and its repetition
//! ([`crate::run_seed`]), so the N shard directories hold exactly the results the unsharded
//! sweep would have, and `kqent merge` puts them back together.

use kqent_schema::summary::CLOCK_CONTROL_ID;
use kqent_schema::{KnobLists, Shard};
use kqent_trace::Profile;

use crate::SweepError;

/// One run of a sweep: a configuration and a repetition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    /// Configuration id.
    pub config_id: String,
    /// Repetition, from 1.
    pub repetition: u32,
}

/// Every run of a sweep in the canonical order: repetition by repetition, the
/// configurations in [`KnobLists::configs`] order, then the clock control when there is one.
///
/// ```
/// use kqent_schema::{KnobLists, WriteTrigger};
/// use kqent_sweep::shard::canonical_runs;
/// let k = KnobLists { num_timers: vec![0, 4], num_sockets: vec![0], num_file_watchers: vec![0],
///     timeout_ms: vec![1], poke_interval_us: vec![500],
///     write_trigger: vec![WriteTrigger::Edge], warmup: vec![0] };
/// let runs = canonical_runs(&k, 2, true);
/// let names: Vec<String> = runs.iter().map(|r| format!("{}/{}", r.config_id, r.repetition)).collect();
/// assert_eq!(names, ["t0-s0-w0-to1-p500-edge-wu0/1", "t4-s0-w0-to1-p500-edge-wu0/1", "clock/1",
///                    "t0-s0-w0-to1-p500-edge-wu0/2", "t4-s0-w0-to1-p500-edge-wu0/2", "clock/2"]);
/// ```
pub fn canonical_runs(knobs: &KnobLists, repeat: u32, clock_control: bool) -> Vec<RunKey> {
    canonical_runs_with(knobs, &[Profile::Kqent], repeat, clock_control)
}

/// [`canonical_runs`] of a sweep under `profiles`: each repetition's configurations in
/// [`crate::sweep_configs`] order (the order the sweep runs them), then the clock control.
pub fn canonical_runs_with(
    knobs: &KnobLists,
    profiles: &[Profile],
    repeat: u32,
    clock_control: bool,
) -> Vec<RunKey> {
    let ids: Vec<String> = crate::sweep_configs(knobs, profiles)
        .into_iter()
        .map(|c| c.id)
        .chain(clock_control.then(|| CLOCK_CONTROL_ID.to_string()))
        .collect();
    (1..=repeat)
        .flat_map(|rep| {
            ids.iter().map(move |id| RunKey {
                config_id: id.clone(),
                repetition: rep,
            })
        })
        .collect()
}

/// The runs of `shard` (every run when `None`), in the canonical order.
pub fn runs_of(
    knobs: &KnobLists,
    repeat: u32,
    clock_control: bool,
    shard: Option<Shard>,
) -> Vec<RunKey> {
    canonical_runs(knobs, repeat, clock_control)
        .into_iter()
        .enumerate()
        .filter(|(p, _)| shard.is_none_or(|s| s.owns(*p)))
        .map(|(_, r)| r)
        .collect()
}

/// Parses `K/N` (K from 1 to N). Each scheduler's index becomes one:
/// Slurm `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` with `--array=1-N`, Kubernetes
/// `$((JOB_COMPLETION_INDEX + 1))/N` with `completions: N`, a GitHub Actions matrix value.
///
/// ```
/// use kqent_sweep::shard::parse_shard;
/// let s = parse_shard("2/3").unwrap();
/// assert_eq!((s.index, s.count), (2, 3));
/// for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/3/5", "-1/3"] {
///     assert!(parse_shard(bad).is_err(), "{bad}");
/// }
/// ```
pub fn parse_shard(spec: &str) -> Result<Shard, SweepError> {
    let bad = |why: &str| {
        SweepError::Other(format!(
            "--shard {spec:?}: {why} (expected K/N with 1 <= K <= N, e.g. 2/3)"
        ))
    };
    let (k, n) = spec.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
    let parse = |s: &str, what: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| bad(&format!("{what} {:?} is not a whole number", s.trim())))
    };
    let (index, count) = (parse(k, "K")?, parse(n, "N")?);
    if count == 0 {
        return Err(bad("N must be at least 1"));
    }
    if index == 0 || index > count {
        return Err(bad(&format!("K must be between 1 and {count}")));
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqent_schema::WriteTrigger;

    fn grid() -> KnobLists {
        KnobLists {
            num_timers: vec![0, 4, 8],
            num_sockets: vec![0, 2],
            num_file_watchers: vec![0],
            timeout_ms: vec![1],
            poke_interval_us: vec![500],
            write_trigger: vec![WriteTrigger::Edge],
            warmup: vec![0],
        }
    }

    #[test]
    fn shards_partition_the_sweep_and_are_balanced() {
        for n in 1..=8u32 {
            let all = canonical_runs(&grid(), 3, true);
            let mut union: Vec<RunKey> = Vec::new();
            let mut sizes = Vec::new();
            for k in 1..=n {
                let s = Shard { index: k, count: n };
                let mine = runs_of(&grid(), 3, true, Some(s));
                assert_eq!(mine.len(), s.share(all.len()), "{k}/{n}");
                sizes.push(mine.len());
                union.extend(mine);
            }
            // Every run exactly once.
            union.sort();
            let mut sorted = all.clone();
            sorted.sort();
            assert_eq!(union, sorted, "n = {n}");
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "{sizes:?}");
        }
    }

    #[test]
    fn dealing_is_interleaved() {
        // 7 ids x 3 repetitions over 3 shards: each shard has runs of every repetition and
        // more than one configuration in each.
        let s = Shard { index: 2, count: 3 };
        let mine = runs_of(&grid(), 3, true, Some(s));
        for rep in 1..=3 {
            let ids: Vec<&str> = mine
                .iter()
                .filter(|r| r.repetition == rep)
                .map(|r| r.config_id.as_str())
                .collect();
            assert!(ids.len() >= 2, "rep {rep}: {ids:?}");
        }
        // Position 1, 4, 7, ...: the second id first.
        assert_eq!(mine[0].config_id, "t0-s2-w0-to1-p500-edge-wu0");
        assert_eq!(runs_of(&grid(), 3, true, None).len(), 21);
    }

    #[test]
    fn the_grid_of_a_both_profile_sweep_holds_both_loops_in_run_order() {
        use kqent_trace::Profile;
        let both = [Profile::Kqent, Profile::Openentropy];
        let configs = crate::sweep_configs(&grid(), &both);
        let runs = canonical_runs_with(&grid(), &both, 2, true);
        assert_eq!(runs.len(), (configs.len() + 1) * 2);
        // Each repetition: the configurations in the order the sweep runs them, then clock.
        let first: Vec<&str> = runs[..=configs.len()]
            .iter()
            .map(|r| r.config_id.as_str())
            .collect();
        let mut want: Vec<&str> = configs.iter().map(|c| c.id.as_str()).collect();
        want.push(CLOCK_CONTROL_ID);
        assert_eq!(first, want);
        assert!(runs.iter().any(|r| r.config_id.starts_with("oe-")));
        // kqent's design alone is the grid canonical_runs gives.
        assert_eq!(
            canonical_runs_with(&grid(), &[Profile::Kqent], 2, true),
            canonical_runs(&grid(), 2, true)
        );
    }
}
