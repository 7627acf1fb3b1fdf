//! `kqent health` (scaffolding until its issue lands).

/// Arguments of `kqent health`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent health` is not implemented yet")
}
