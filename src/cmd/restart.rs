//! `kqent restart` (scaffolding until its issue lands).

/// Arguments of `kqent restart`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent restart` is not implemented yet")
}
