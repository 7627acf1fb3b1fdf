//! `kqent sweep` (scaffolding until its issue lands).

/// Arguments of `kqent sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent sweep` is not implemented yet")
}
