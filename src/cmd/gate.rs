//! `kqent gate` (scaffolding until its issue lands).

/// Arguments of `kqent gate`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("`kqent gate` is not implemented yet")
}
