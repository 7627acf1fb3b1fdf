//! `kqent analyze` (scaffolding until its issue lands).

/// Arguments of `kqent analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent analyze` is not implemented yet")
}
