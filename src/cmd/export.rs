//! `kqent export`: a trace becomes a NIST-format symbol file (`--extract`) or a CSV of its
//! raw records (`--csv`). Output goes to a temporary file in the destination directory and
//! is renamed into place, so a failed export leaves nothing behind. `-` reads the trace
//! from standard input (`kqent_pipeline::Source`) and `--out -` writes to standard output;
//! the closing message always goes to standard error.

use std::io::{Read, Seek};
use std::path::PathBuf;

use anyhow::Context;
use kqent_analysis::Extraction;
use kqent_pipeline::Source;
use kqent_trace::{EventKinds, Record, TraceReader};

use crate::cmd::output::write_with;
use crate::exit;

/// Arguments of `kqent export`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["extract", "csv"])))]
pub struct Args {
    /// The trace written by `kqent collect`; `-` reads standard input.
    pub trace: PathBuf,
    /// Write symbols, one byte each: `lsb:K`, `delta-lsb:K` (K = 1..8), `xorfold` or `openentropy` (the bytes openentropy's collect(n) returns, per session).
    #[arg(long, value_name = "METHOD")]
    pub extract: Option<Extraction>,
    /// Write the raw records as CSV (start_ns,duration_ns,events,kinds,segment).
    #[arg(long)]
    pub csv: bool,
    /// Output file; `-` writes to standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let source = Source::from_arg(&args.trace);
    let mut guard = kqent_pipeline::outputs::Outputs::new();
    if let Source::File(trace) = &source {
        guard = guard.input(trace);
    }
    guard.check("--out", &args.out)?;
    if let Some(method) = args.extract {
        // The one input path: the symbols `kqent analyze --extract` would assess.
        let input = source.read(&kqent_pipeline::InputOptions {
            bits: None,
            extract: Some(method),
        })?;
        for w in &input.warnings {
            eprintln!("kqent: warning: {w}");
        }
        let symbols = input.symbols;
        write_with(&args.out, |w| w.write_all(symbols.as_slice()))?;
        eprintln!(
            "wrote {} symbols of {} bit(s) ({method}) to {}",
            symbols.len(),
            symbols.bits(),
            args.out.display()
        );
    } else {
        match &source {
            Source::File(trace) => {
                let reader = kqent_trace::open_file(trace)
                    .with_context(|| format!("cannot read trace {}", trace.display()))?;
                export_csv(reader, &args)?;
            }
            Source::Stdin => {
                let bytes = std::io::Cursor::new(source.read_bytes()?);
                let reader =
                    TraceReader::open(bytes).context("cannot read the trace on standard input")?;
                export_csv(reader, &args)?;
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// Writes every record of `reader` as CSV to `--out`.
fn export_csv<R: Read + Seek>(reader: TraceReader<R>, args: &Args) -> anyhow::Result<()> {
    let samples = reader.metadata().samples;
    {
        let trace = &args.trace;
        let mut bad_record = None;
        let written = write_with(&args.out, |w| {
            w.write_all(CSV_HEADER.as_bytes())?;
            // Hand-rolled formatting: `writeln!` dominated the time of large exports.
            let kind_names: Vec<String> = (0..32).map(|b| EventKinds(b).to_string()).collect();
            let mut line = Vec::with_capacity(96);
            for r in reader.records() {
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        bad_record = Some(e);
                        return Err(std::io::Error::other("the trace is not readable"));
                    }
                };
                line.clear();
                csv_line(&mut line, &r, &kind_names);
                w.write_all(&line)?;
            }
            Ok(())
        });
        if let Some(e) = bad_record {
            return Err(
                anyhow::Error::new(e).context(format!("cannot read trace {}", trace.display()))
            );
        }
        written?;
        eprintln!("wrote {} records as CSV to {}", samples, args.out.display());
    }
    Ok(())
}

/// First line of a CSV export.
const CSV_HEADER: &str = "start_ns,duration_ns,events,kinds,segment\n";

/// Appends one CSV line; `kind_names[b]` is the name of kind bitmask `b` (0..32).
fn csv_line(line: &mut Vec<u8>, r: &Record, kind_names: &[String]) {
    push_u64(line, r.start_ns);
    line.push(b',');
    push_u64(line, r.duration_ns);
    line.push(b',');
    push_u64(line, u64::from(r.events));
    line.push(b',');
    match kind_names.get(r.kinds.bits() as usize) {
        Some(name) => line.extend_from_slice(name.as_bytes()),
        None => line.extend_from_slice(r.kinds.to_string().as_bytes()),
    }
    line.push(b',');
    push_u64(line, u64::from(r.segment));
    line.push(b'\n');
}

/// Appends the decimal digits of `v`.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_format_every_field() {
        let names: Vec<String> = (0..32).map(|b| EventKinds(b).to_string()).collect();
        let mut line = Vec::new();
        let r = Record {
            start_ns: 0,
            duration_ns: u64::MAX,
            events: u32::MAX,
            kinds: EventKinds(9),
            segment: 10,
        };
        csv_line(&mut line, &r, &names);
        assert_eq!(
            String::from_utf8(line).unwrap(),
            format!("0,{},{},timer|socket_write,10\n", u64::MAX, u32::MAX)
        );
        for v in [0, 9, 10, 99, 100, 1_000_000_007, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
