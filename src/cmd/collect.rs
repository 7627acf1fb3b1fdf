//! `kqent collect` (scaffolding until its issue lands).

/// Arguments of `kqent collect`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent collect` is not implemented yet")
}
