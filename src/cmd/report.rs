//! `kqent report` (scaffolding until its issue lands).

/// Arguments of `kqent report`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent report` is not implemented yet")
}
