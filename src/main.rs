//! `kqent`: measure the entropy in the timing of OS event-notification calls.

mod cmd;
mod exit;
mod interrupt;
mod progress;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

/// Measures how much entropy the timing of kqueue/epoll wait calls carries (SP 800-90B).
#[derive(Parser, Debug)]
#[command(name = "kqent", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Time wait calls over many event sources and store every duration in a trace.
    Collect(cmd::collect::Args),
    /// Convert a trace to a NIST-format symbol file or a CSV of raw records.
    Export(cmd::export::Args),
    /// Assess a symbol file or trace with the SP 800-90B estimators.
    Analyze(cmd::analyze::Args),
    /// SP 800-90B restart tests (3.1.4) on a 1000 x 1000 restart matrix.
    Restart(cmd::restart::Args),
    /// Repetition Count and Adaptive Proportion health tests (4.4).
    Health(cmd::health::Args),
    /// Collect and assess the Cartesian product of knob values.
    // Boxed: its many flags make it several times the size of the other variants.
    Sweep(Box<cmd::sweep::Args>),
    /// Merge sweep directories (the shards of one sweep, from one host or many) into one.
    Merge(cmd::merge::Args),
    /// Render a sweep directory as HTML and Markdown.
    Report(cmd::report::Args),
    /// CI quality gate: exit 1 when a configuration falls below the thresholds.
    Gate(cmd::gate::Args),
    /// The entropy sources of the openentropy-core crate: list them, assess one.
    #[cfg(feature = "openentropy")]
    Openentropy(cmd::openentropy::Args),
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::shell::CompletionsArgs),
    /// Print the man page (roff), or write one page per command with --dir.
    Man(cmd::shell::ManArgs),
}

fn main() -> ExitCode {
    // A closed stdout (`kqent ... | head`) ends the process quietly, as for any Unix
    // filter, instead of a panic on the next print.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Collect(a) => cmd::collect::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::Restart(a) => cmd::restart::run(a),
        Command::Health(a) => cmd::health::run(a),
        Command::Sweep(mut a) => {
            a.given = given(&matches, "sweep");
            cmd::sweep::run(*a)
        }
        Command::Merge(a) => cmd::merge::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Gate(a) => cmd::gate::run(a),
        #[cfg(feature = "openentropy")]
        Command::Openentropy(a) => cmd::openentropy::run(a),
        Command::Completions(a) => cmd::shell::completions(a),
        Command::Man(a) => cmd::shell::man(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Every error is one line, whatever the file names and documents in it hold.
            let message = one_line(&chain(&e));
            if interrupt::interrupted() {
                if message == "interrupted" {
                    eprintln!("kqent: interrupted");
                } else {
                    eprintln!("kqent: interrupted: {message}");
                }
                return ExitCode::from(interrupt::exit_code());
            }
            eprintln!("kqent: error: {message}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// The ids of the arguments of subcommand `name` given on the command line (not defaults).
fn given(matches: &ArgMatches, name: &str) -> Vec<String> {
    let Some(sub) = matches.subcommand_matches(name) else {
        return Vec::new();
    };
    sub.ids()
        .filter(|id| sub.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_string())
        .collect()
}

/// The error and its causes, `a: b: c`, leaving out a cause whose text the message
/// already holds (error types that print their source too would repeat the OS's words).
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// `s` with its control characters escaped (`\n`, `\u{1b}`): a message that quotes a
/// hostile string cannot add lines or terminal escape sequences.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// clap's errors, in the house style where that keeps everything: a value that does not
/// parse (`--backend poll`, `--extract lsb:9`) is one line, `kqent: error: ...`, exit 2.
/// Help, version and the other usage errors (which list what is missing) are clap's own.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        // The first paragraph (the error and, for a choice, the possible values) on one line.
        let text = e.render().to_string();
        let first: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        eprintln!("kqent: {}", one_line(&first.join(" ")));
        return ExitCode::from(exit::ERROR);
    }
    e.exit()
}
