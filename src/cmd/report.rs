//! `kqent report`: renders a sweep directory (or one result file) as a self-contained HTML
//! page and a Markdown summary; prints the summary.

use std::path::{Path, PathBuf};

use kqent_pipeline::atomic::{create_parent, write_atomic};
use kqent_pipeline::outputs::Outputs;
use kqent_report::overview::Overview;
use kqent_report::{html, markdown};
use kqent_sweep::layout::load;
use kqent_sweep::validate::{check, CheckOptions};

use crate::exit;

/// Arguments of `kqent report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A sweep directory, or a single result JSON file.
    #[arg(value_name = "DIR")]
    pub input: PathBuf,
    /// The HTML page [default: DIR/report.html, or FILE's name with .html].
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The Markdown summary [default: DIR/summary.md, or FILE's name with .md].
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// The statistics as JSON [default: DIR/summary.json, or FILE's name with
    /// .summary.json].
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Do not print the Markdown summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
    /// How the comparisons are decided.
    #[command(flatten)]
    pub decision: crate::cmd::decision::DecisionArgs,
}

fn default_output(input: &Path, is_dir: bool, ext: &str, dir_name: &str) -> PathBuf {
    if is_dir {
        input.join(dir_name)
    } else {
        input.with_extension(ext)
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let is_dir = args.input.is_dir();
    let html_path = args
        .html
        .unwrap_or_else(|| default_output(&args.input, is_dir, "html", "report.html"));
    let md_path = args
        .markdown
        .unwrap_or_else(|| default_output(&args.input, is_dir, "md", "summary.md"));
    let summary_path = args.summary.unwrap_or_else(|| {
        if is_dir {
            args.input.join(kqent_schema::summary::SUMMARY_FILE)
        } else {
            args.input.with_extension("summary.json")
        }
    });
    // Checked before anything is read or rendered: no output may be an input.
    let guard = Outputs::new().input(&args.input);
    for (flag, path) in [
        ("--html", &html_path),
        ("--markdown", &md_path),
        ("--summary", &summary_path),
    ] {
        guard.check(flag, path)?;
    }
    let loaded = load(&args.input)?;
    // The figures are drawn only from documents that pass the gate's checks (ranges,
    // duplicates); an incomplete sweep is shown as such.
    let checked = CheckOptions {
        allow_incomplete: true,
        directory: is_dir,
        distinct_inputs: false,
    };
    check(&loaded, &checked)?;
    let overview = Overview::with_options(&loaded, args.decision.options()?);
    let page = html::render(&overview)?;
    let summary = markdown::render(&overview);
    let summary_json = kqent_schema::json::to_json(&overview.summary)?;
    for (path, bytes) in [
        (&summary_path, summary_json.as_bytes()),
        (&html_path, page.as_bytes()),
        (&md_path, summary.as_bytes()),
    ] {
        // The output directories are made on demand, as a report is a new set of files.
        create_parent(path)?;
        write_atomic(path, bytes)?;
    }
    if !args.quiet {
        print!("{summary}");
    }
    eprintln!(
        "kqent: wrote {}, {} and {}",
        html_path.display(),
        md_path.display(),
        summary_path.display()
    );
    Ok(exit::SUCCESS)
}
