//! The `-` convention for outputs: `--json -` and `--out -` write to standard output, any
//! other path is written atomically (`kqent_pipeline::atomic`). A command whose data goes to
//! standard output prints its tables and messages on standard error instead, so the stream
//! holds the data alone.

use std::io::Write;
use std::path::Path;

/// Whether `path` is `-`, standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An input path as a person reads it: `-` is standard input.
pub fn shown_input(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Writes what `fill` writes to `path` (atomically), or to standard output for `-`.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if is_stdout(path) {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
        fill(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}"))?;
        return Ok(());
    }
    Ok(kqent_pipeline::atomic::write_with(path, fill)?)
}

/// Prints `text` where people read it: standard output, or standard error when the data
/// itself goes to standard output (`data_to_stdout`).
pub fn show(text: &str, data_to_stdout: bool) {
    if data_to_stdout {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}
