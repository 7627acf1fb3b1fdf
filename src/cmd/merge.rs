//! `kqent merge OUT DIR...`: combines sweep directories (the shards of one sweep, from one
//! machine or many) into the new sweep directory OUT, which `kqent report` and `kqent gate`
//! then read. The checks and the layout are `kqent_sweep::merge`'s.

use std::path::PathBuf;

use crate::exit;

/// Arguments of `kqent merge`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The merged sweep directory (created; must be new or empty).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// The sweep directories to merge (shards of one sweep: same grid and settings).
    #[arg(value_name = "DIR", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let merged = kqent_sweep::merge::merge(&args.out, &args.inputs)?;
    let missing = merged.missing();
    eprintln!(
        "kqent: merged {} director{} into {}: {} result(s) from {} host(s) ({}) on {} platform(s)",
        args.inputs.len(),
        if args.inputs.len() == 1 { "y" } else { "ies" },
        args.out.display(),
        merged.results,
        merged.hosts.len(),
        merged.hosts.join(", "),
        merged.platforms.len()
    );
    if !missing.is_empty() {
        eprintln!(
            "kqent: warning: incomplete: {} run(s) of the grid missing:",
            missing.len()
        );
        for m in missing {
            eprintln!("  {} {} r{}", m.platform, m.config_id, m.repetition);
        }
    }
    eprintln!("kqent: render it with: kqent report {}", args.out.display());
    Ok(exit::SUCCESS)
}
