//! `kqent completions SHELL` and `kqent man`: the shell completion script (clap_complete)
//! and the roff man page (clap_mangen) of the whole command line, generated from the same
//! clap definition that parses it, so they never drift. Both write to stdout.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use crate::exit;

/// Arguments of `kqent completions`.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Writes the completion script for `args.shell` to stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = crate::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "kqent", &mut out);
    write_stdout(&out)
}

/// Arguments of `kqent man`.
#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write one page per command (kqent.1, kqent-analyze.1, ...) into this directory
    /// instead of printing kqent.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes the man page (roff, section 1) to stdout (`kqent man > kqent.1`), or every
/// command's page into `args.dir`.
pub fn man(args: ManArgs) -> anyhow::Result<u8> {
    let cmd = crate::Cli::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        return Ok(exit::SUCCESS);
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .context("cannot render the man page")?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(exit::SUCCESS)
}
