//! `kqent sweep --resume DIR`: the settings a resumed sweep runs with. Every setting not
//! given on the command line is the manifest's (`DIR/sweep.json`), so `--resume DIR` alone
//! continues the sweep as it was started; a setting given that differs from the manifest
//! is refused by `kqent_sweep::prepare`, as before.

use std::path::PathBuf;

use anyhow::Context;
use kqent_schema::SweepManifest;
use kqent_sweep::layout;

use super::sweep::Args;

/// The sweep directory (`--out`, or `--resume DIR`) and whether the sweep resumes; an
/// error when both name a directory and they differ.
pub fn directory(args: &Args) -> anyhow::Result<(PathBuf, bool)> {
    match (&args.out, &args.resume) {
        (Some(out), Some(Some(dir))) if out != dir => anyhow::bail!(
            "--resume {} and --out {} name two directories: give one",
            dir.display(),
            out.display()
        ),
        (_, Some(Some(dir))) => Ok((dir.clone(), true)),
        (Some(out), resume) => Ok((out.clone(), resume.is_some())),
        (None, _) => anyhow::bail!("give --out DIR for a new sweep, or --resume DIR"),
    }
}

/// Fills every setting of `args` not given on the command line from the manifest of the
/// sweep in `dir`.
pub fn apply_manifest(args: &mut Args, dir: &std::path::Path) -> anyhow::Result<()> {
    let path = dir.join(layout::MANIFEST);
    if !path.exists() {
        anyhow::bail!(
            "--resume: {} holds no sweep ({} is missing)",
            dir.display(),
            layout::MANIFEST
        );
    }
    let m = kqent_schema::json::read_manifest(&path)
        .with_context(|| format!("--resume: cannot read {}", path.display()))?;
    fill(args, &m)
}

/// [`apply_manifest`] on a manifest already read.
fn fill(args: &mut Args, m: &SweepManifest) -> anyhow::Result<()> {
    fn join<T: ToString>(v: &[T]) -> String {
        v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
    }
    let given = |id: &str| args.given.iter().any(|g| g == id);
    if !given("backend") {
        args.backend = m
            .backend
            .parse()
            .with_context(|| format!("--resume: the manifest's backend {:?}", m.backend))?;
    }
    if !given("seed") {
        args.seed = m.seed;
    }
    if !given("samples") {
        args.samples = m.samples;
    }
    if !given("repeat") {
        args.repeat = m.repeat;
    }
    if !given("extract") {
        args.extract = m.extractions.clone().unwrap_or_else(|| vec![m.extraction]);
    }
    let k = &m.knobs;
    for (id, field, value) in [
        ("timers", &mut args.timers, join(&k.num_timers)),
        ("sockets", &mut args.sockets, join(&k.num_sockets)),
        ("watchers", &mut args.watchers, join(&k.num_file_watchers)),
        ("timeout_ms", &mut args.timeout_ms, join(&k.timeout_ms)),
        ("poke_us", &mut args.poke_us, join(&k.poke_interval_us)),
        (
            "write_trigger",
            &mut args.write_trigger,
            join(&k.write_trigger),
        ),
        ("warmup", &mut args.warmup, join(&k.warmup)),
    ] {
        if !given(id) {
            *field = value;
        }
    }
    if !given("profile") {
        args.profile = m
            .profiles
            .clone()
            .unwrap_or_else(|| vec![kqent_trace::Profile::Kqent]);
    }
    if !given("session_n") {
        args.session_n = m.session_n.unwrap_or(args.session_n);
    }
    if !given("clock_control") {
        args.clock_control = m.clock_control.unwrap_or(false);
    }
    // Manifests written before these were recorded do not say: the flags stay as given
    // (for --iid, the results then decide).
    if !given("iid") {
        args.iid = m.iid.unwrap_or(args.iid);
    }
    if !given("pipeline") {
        args.pipeline = m.pipeline.unwrap_or(args.pipeline);
    }
    // A shard directory resumes as the same shard.
    if !given("shard") {
        args.shard = m.shard;
    }
    Ok(())
}
