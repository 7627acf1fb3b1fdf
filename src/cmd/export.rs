//! `kqent export` (scaffolding until its issue lands).

/// Arguments of `kqent export`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent export` is not implemented yet")
}
