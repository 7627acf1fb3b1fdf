//! kqent's one input path: a file on disk becomes an [`Input`] — symbols, the hashes a
//! result records and, for a trace, its metadata, durations and event kinds — the same way
//! for `analyze`, `health`, `sweep` and anything later.
//!
//! The file is sniffed (a kqent trace starts with its magic; anything else is a NIST-format
//! symbol file, one sample per byte), read with a bound ([`MAX_SYMBOL_FILE_BYTES`]; a
//! trace's own reader checks its counts against its length), hashed, and a trace's
//! durations (raw ticks where the clock counts ticks) are extracted into symbols, per
//! session for `--extract openentropy`. A trace whose durations share a tick above 1, or
//! whose ns durations were converted from a fractional tick counter, carries a warning
//! ([`Input::warnings`]): `lsb:K` and `delta-lsb:K` then count bits that are not random.
//!
//! Standard input (`-` on the command line, [`Source::Stdin`]) takes the same path once
//! read into memory, with the same bound ([`MAX_STDIN_BYTES`]).

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use kqent_analysis::{AnalysisError, Extraction, Symbols};
use sha2::{Digest, Sha256};

use crate::PipelineError;

pub use crate::limits::MAX_SYMBOL_FILE_BYTES;
use crate::limits::{
    check_memory, reserve, INPUT_BYTES_PER_RECORD, MAX_STREAM_BYTES, MAX_TRACE_RECORDS,
};

/// The most read from standard input (1 GiB, [`MAX_SYMBOL_FILE_BYTES`]): a stream has no
/// length to check first, so it is read up to the bound and refused past it.
pub const MAX_STDIN_BYTES: u64 = MAX_SYMBOL_FILE_BYTES;

/// Where an input comes from: a file, or standard input (`-` on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input, read to its end (bounded by [`MAX_STDIN_BYTES`]).
    Stdin,
}

impl Source {
    /// The command-line convention: `-` is standard input, anything else a file.
    ///
    /// ```
    /// use kqent_pipeline::input::Source;
    /// use std::path::Path;
    /// assert_eq!(Source::from_arg(Path::new("-")), Source::Stdin);
    /// assert_eq!(Source::from_arg(Path::new("./-")), Source::File("./-".into()));
    /// ```
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    /// Reads the input: [`read_input`] for a file, standard input through the same checks.
    pub fn read(&self, opts: &InputOptions) -> Result<Input, PipelineError> {
        match self {
            Source::File(path) => read_input(path, opts),
            Source::Stdin => read_stdin(opts),
        }
    }

    /// The raw bytes (a trace to convert, say), bounded like a symbol file.
    pub fn read_bytes(&self) -> Result<Vec<u8>, PipelineError> {
        let (path, shown, reader): (&Path, String, Box<dyn Read>) = match self {
            Source::File(p) => (
                p,
                p.display().to_string(),
                Box::new(File::open(p).map_err(|e| PipelineError::io("cannot open", p, e))?),
            ),
            Source::Stdin => (
                Path::new("-"),
                "standard input".into(),
                Box::new(std::io::stdin().lock()),
            ),
        };
        let mut data = Vec::new();
        reader
            .take(MAX_STDIN_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| PipelineError::io("cannot read", path, e))?;
        if data.len() as u64 > MAX_STDIN_BYTES {
            return Err(PipelineError::Input {
                path: path.to_path_buf(),
                message: format!("{shown} holds more than the {MAX_STDIN_BYTES} bytes kqent reads"),
            });
        }
        Ok(data)
    }
}

/// How the input is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputOptions {
    /// Bits per symbol of a symbol file (inferred from the highest bit set when absent);
    /// an error for a trace.
    pub bits: Option<u8>,
    /// How a trace's durations become symbols; required for a trace, an error for a
    /// symbol file.
    pub extract: Option<Extraction>,
}

/// A trace's metadata, durations (as recorded: raw ticks where the clock counts ticks),
/// event-kind bitmasks and segments.
#[derive(Debug, Clone)]
pub struct TraceData {
    /// The trace's metadata (backend, knobs, clock, tick, profile, collection provenance).
    pub meta: kqent_trace::Metadata,
    /// One duration per wait call, as recorded: ns, or ticks when `meta.clock.timebase`
    /// is set (the extractions work on these).
    pub durations: Vec<u64>,
    /// The event kinds of each wait call (`kqent_trace::EventKinds` bits).
    pub kinds: Vec<u32>,
    /// From the first record's start to the last one's end, ns on the trace's clock
    /// (`kqent_analysis::inference::rate::span_ns`): the collection's wall time.
    pub span_ns: u64,
    /// Records per segment (restart or openentropy session), in order.
    pub session_lens: Vec<usize>,
}

impl TraceData {
    /// Reads every record of `reader` (validated).
    ///
    /// The record count is the header's, which the reader has checked against the input's
    /// length; the vectors are reserved with `try_reserve`, so a count the machine cannot
    /// hold is an error rather than an abort.
    pub fn read<R: std::io::Read + std::io::Seek>(
        reader: kqent_trace::TraceReader<R>,
    ) -> Result<TraceData, PipelineError> {
        let meta = reader.metadata().clone();
        let n = usize::try_from(meta.samples).map_err(|_| {
            PipelineError::InvalidArgument(format!("{} records do not fit memory", meta.samples))
        })?;
        let (mut durations, mut kinds) = (Vec::new(), Vec::new());
        reserve(&mut durations, n, "the trace's durations")?;
        reserve(&mut kinds, n, "the trace's event kinds")?;
        let mut session_lens: Vec<usize> = Vec::new();
        let mut segment = None;
        // The span for the entropy rate comes from the same pass over the records.
        let (mut first, mut last) = (None, (0u64, 0u64));
        for r in reader.records() {
            let r = r.map_err(PipelineError::TraceRecords)?;
            first.get_or_insert(r.start_ns);
            last = (r.start_ns, r.duration_ns);
            durations.push(r.duration_ns);
            kinds.push(r.kinds.bits());
            match (segment, session_lens.last_mut()) {
                (Some(s), Some(len)) if s == r.segment => *len += 1,
                _ => session_lens.push(1),
            }
            segment = Some(r.segment);
        }
        let span = first.map_or(0, |f| {
            kqent_analysis::inference::rate::span_ns(f, last.0, last.1)
        });
        // A tick-counting clock records ticks: the span is converted like the durations.
        let span_ns = match meta.clock.timebase {
            Some(tb) => tb.to_ns(span),
            None => span,
        };
        Ok(TraceData {
            meta,
            durations,
            kinds,
            span_ns,
            session_lens,
        })
    }

    /// The symbols of `ex`: on the raw durations, per session for `openentropy` (with the
    /// profile's `n` when the trace has one).
    pub fn symbols(&self, ex: Extraction) -> Result<Symbols, kqent_analysis::AnalysisError> {
        let n = self.meta.profile.as_ref().map(|p| p.session_n);
        ex.apply_sessions(&self.durations, &self.session_lens, n)
    }

    /// Durations in ns, for people (the result's duration statistics): converted from
    /// ticks when the clock counts ticks.
    pub fn durations_ns(&self) -> std::borrow::Cow<'_, [u64]> {
        match self.meta.clock.timebase {
            Some(tb) => self.durations.iter().map(|&d| tb.to_ns(d)).collect(),
            None => std::borrow::Cow::Borrowed(&self.durations),
        }
    }

    /// Warnings about the clock's granularity for symbols extracted with `method`:
    /// durations that all share a factor ([`coarse_tick_warning`]), and ns durations
    /// converted from a tick counter whose period is not whole ns (their low bits carry
    /// the conversion's rounding).
    pub fn tick_warnings(&self, method: Extraction) -> Vec<String> {
        let unit = if self.meta.clock.timebase.is_some() {
            "ticks"
        } else {
            "ns"
        };
        let mut out: Vec<String> = coarse_tick_warning_in(self.meta.tick_ns, unit, method)
            .into_iter()
            .collect();
        if self.meta.clock.timebase.is_none() {
            if let Some(tb) = kqent_analysis::ticks::derived_from_ticks(&self.durations) {
                out.push(format!(
                    "every duration fits nanoseconds converted from a {:.2} ns tick counter \
                     ({}/{} ns per tick): their low bits carry the conversion's rounding, not \
                     only timing; record raw ticks instead",
                    tb.tick_ns(),
                    tb.numer,
                    tb.denom
                ));
            }
        }
        out
    }
}

/// An input file, read.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file as given.
    pub path: PathBuf,
    /// The symbols to assess.
    pub symbols: Symbols,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub file_sha256: String,
    /// How the symbols were extracted (a trace), `None` for a symbol file.
    pub extraction: Option<Extraction>,
    /// The trace, `None` for a symbol file.
    pub trace: Option<TraceData>,
    /// What the user should know about the input before trusting the result (one line
    /// each, without a `warning:` prefix).
    pub warnings: Vec<String>,
}

impl Input {
    /// SHA-256 of the data analysed, for `input.sha256`: a symbol file's bytes, or a
    /// trace's durations ([`durations_sha256`]; the file's own hash goes to the
    /// provenance, since its header records when and where it was collected).
    pub fn data_sha256(&self) -> String {
        match &self.trace {
            Some(t) => durations_sha256(&t.durations),
            None => self.file_sha256.clone(),
        }
    }

    /// Raw samples: durations of a trace, symbols of a symbol file.
    pub fn samples(&self) -> u64 {
        match &self.trace {
            Some(t) => t.durations.len() as u64,
            None => self.symbols.len() as u64,
        }
    }

    /// A symbol file's contents already in memory (the Python package's buffers), named
    /// `name`: the [`Input`] that [`read_input`] makes of a symbol file holding `data`
    /// (hashed, checked against `bits`, or `bits` inferred from the highest bit set).
    ///
    /// ```
    /// use kqent_pipeline::Input;
    /// let input = Input::from_symbol_bytes("noise", vec![0, 5, 1], None).unwrap();
    /// assert_eq!(input.symbols.bits(), 3);
    /// assert_eq!(input.data_sha256(), kqent_pipeline::input::sha256_hex(&[0, 5, 1]));
    /// assert!(Input::from_symbol_bytes("noise", vec![0, 5, 1], Some(2)).is_err());
    /// ```
    pub fn from_symbol_bytes(
        name: impl Into<PathBuf>,
        data: Vec<u8>,
        bits: Option<u8>,
    ) -> Result<Input, AnalysisError> {
        let file_sha256 = sha256_hex(&data);
        let symbols = Symbols::from_nist_bytes(data, bits)?;
        Ok(Input {
            path: name.into(),
            symbols,
            file_sha256,
            extraction: None,
            trace: None,
            warnings: Vec::new(),
        })
    }
}

/// Reads `path` as a trace or a symbol file.
///
/// A regular file's size is checked before it is read ([`MAX_SYMBOL_FILE_BYTES`], a
/// trace's header against [`MAX_TRACE_RECORDS`] and the memory its records need); a stream
/// (FIFO, character device, stdin) is read up to [`MAX_STREAM_BYTES`] and refused beyond.
/// Names are quoted in messages (`{:?}`), so a hostile file name cannot break a line.
pub fn read_input(path: &Path, opts: &InputOptions) -> Result<Input, PipelineError> {
    let shown = format!("{:?}", path.display().to_string());
    let bad = |message: String| PipelineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| PipelineError::io("cannot open", path, e))?;
    if meta.is_dir() {
        return Err(bad(format!(
            "{shown} is a directory, not a symbol file or trace"
        )));
    }
    if let Some(b) = opts.bits {
        if !(1..=8).contains(&b) {
            return Err(PipelineError::InvalidArgument(format!(
                "--bits {b} is outside 1..=8"
            )));
        }
    }
    let stream = !meta.is_file();
    let mut file = File::open(path).map_err(|e| PipelineError::io("cannot open", path, e))?;
    let mut prefix = [0u8; 16];
    let got = read_prefix(&mut file, &mut prefix)
        .map_err(|e| PipelineError::io("cannot read", path, e))?;
    if got == 0 {
        return Err(bad(format!("{shown} is empty: the input holds no samples")));
    }
    let is_trace = kqent_trace::looks_like_trace(&prefix[..got]);
    if is_trace {
        if opts.extract.is_none() {
            return Err(bad(format!(
                "{shown} is a kqent trace: give --extract lsb:K, delta-lsb:K, xorfold or openentropy"
            )));
        }
        if opts.bits.is_some() {
            return Err(bad(
                "--bits applies to symbol files; a trace's symbol width comes from --extract"
                    .into(),
            ));
        }
    } else if opts.extract.is_some() {
        return Err(bad(format!(
            "{shown} is not a kqent trace: --extract applies to traces only (for a symbol file, give --bits if needed)"
        )));
    }
    let limit = if stream {
        MAX_STREAM_BYTES
    } else if is_trace {
        u64::MAX
    } else {
        MAX_SYMBOL_FILE_BYTES
    };
    if !stream && meta.len() > limit {
        return Err(bad(format!(
            "{shown} holds {} bytes, more than the {limit} a symbol file may",
            meta.len()
        )));
    }
    if is_trace && !stream {
        drop(file);
        return read_trace_file(path, opts);
    }
    // A symbol file, or a stream: read whole, with the bound (a file that grows while
    // being read is cut at the limit and refused).
    let mut data = Vec::new();
    let expect = if stream { 1 << 20 } else { meta.len() };
    check_memory(expect.saturating_mul(2), &format!("reading {shown}"))?;
    reserve(&mut data, expect as usize, "the input's bytes")?;
    data.extend_from_slice(&prefix[..got]);
    file.take(limit + 1 - got as u64)
        .read_to_end(&mut data)
        .map_err(|e| PipelineError::io("cannot read", path, e))?;
    if data.len() as u64 > limit {
        return Err(bad(if stream {
            format!(
                "{shown} is a stream longer than the {limit} bytes kqent reads from one; write it to a file first"
            )
        } else {
            format!("{shown} holds more than the {limit} bytes a symbol file may")
        }));
    }
    if is_trace {
        // A trace arriving through a pipe: validated from memory like a file.
        let file_sha256 = sha256_hex(&data);
        return trace_input(path, std::io::Cursor::new(data), opts, || Ok(file_sha256));
    }
    Input::from_symbol_bytes(path, data, opts.bits)
        .map_err(|e| bad(format!("{shown} is not a valid symbol file: {e}")))
}

/// A trace on disk, streamed: its header validated and its counts checked first, its
/// records read, then the file hashed in a second pass, so that memory holds the
/// records' fields, never the file, and a false count is refused before any long read.
fn read_trace_file(path: &Path, opts: &InputOptions) -> Result<Input, PipelineError> {
    let f = File::open(path).map_err(|e| PipelineError::io("cannot open", path, e))?;
    trace_input(path, std::io::BufReader::new(f), opts, || {
        let mut hasher = Sha256::new();
        let mut f = File::open(path).map_err(|e| PipelineError::io("cannot open", path, e))?;
        std::io::copy(&mut f, &mut HashWriter(&mut hasher))
            .map_err(|e| PipelineError::io("cannot read", path, e))?;
        Ok(hex(&hasher.finalize()))
    })
}

/// Validates a trace, checks its record count against the limits, hashes it
/// (`file_sha256`), reads its records and extracts its symbols.
fn trace_input<R: Read + std::io::Seek>(
    path: &Path,
    source: R,
    opts: &InputOptions,
    file_sha256: impl FnOnce() -> Result<String, PipelineError>,
) -> Result<Input, PipelineError> {
    let shown = format!("{:?}", path.display().to_string());
    let bad = |message: String| PipelineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let Some(method) = opts.extract else {
        return Err(bad(format!("{shown} is a kqent trace: give --extract")));
    };
    let reader = kqent_trace::TraceReader::open(source).map_err(|e| PipelineError::Trace {
        path: path.to_path_buf(),
        cause: e,
    })?;
    let records = reader.len();
    if records > MAX_TRACE_RECORDS {
        return Err(bad(format!(
            "{shown} holds {records} records, more than the {MAX_TRACE_RECORDS} a trace may"
        )));
    }
    check_memory(
        records.saturating_mul(INPUT_BYTES_PER_RECORD),
        &format!("reading the {records} records of {shown}"),
    )?;
    let trace = TraceData::read(reader).map_err(|e| match e {
        PipelineError::TraceRecords(cause) => PipelineError::Trace {
            path: path.to_path_buf(),
            cause,
        },
        e => e,
    })?;
    // After the records: a file whose records do not validate is not read twice.
    let file_sha256 = file_sha256()?;
    if trace.durations.is_empty() {
        return Err(bad(format!("{shown}: the trace holds no samples")));
    }
    let symbols = trace
        .symbols(method)
        .map_err(|e| bad(format!("cannot extract symbols from {shown}: {e}")))?;
    let warnings = trace.tick_warnings(method);
    Ok(Input {
        path: path.to_path_buf(),
        symbols,
        file_sha256,
        extraction: Some(method),
        trace: Some(trace),
        warnings,
    })
}

/// Feeds what is written to a hasher.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads standard input to its end (at most [`MAX_STDIN_BYTES`]) as a trace or a symbol
/// file; the [`Input`]'s path is `-`.
fn read_stdin(opts: &InputOptions) -> Result<Input, PipelineError> {
    let path = Path::new("-");
    let shown = "standard input";
    let bad = |message: String| PipelineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let data = Source::Stdin.read_bytes()?;
    if data.is_empty() {
        return Err(bad(format!("{shown} is empty: the input holds no samples")));
    }
    if kqent_trace::looks_like_trace(&data[..data.len().min(16)]) {
        trace_method(opts, shown).map_err(bad)?;
        let file_sha256 = sha256_hex(&data);
        trace_input(path, std::io::Cursor::new(data), opts, || Ok(file_sha256))
    } else {
        symbol_method(opts, shown).map_err(bad)?;
        Input::from_symbol_bytes(path, data, opts.bits)
            .map_err(|e| bad(format!("{shown} is not a valid symbol file: {e}")))
    }
}

/// The extraction of a trace named `shown`: `--extract` is required, `--bits` refused.
fn trace_method(opts: &InputOptions, shown: &str) -> Result<Extraction, String> {
    let Some(method) = opts.extract else {
        return Err(format!(
            "{shown} is a kqent trace: give --extract lsb:K, delta-lsb:K, xorfold or openentropy"
        ));
    };
    if opts.bits.is_some() {
        return Err(
            "--bits applies to symbol files; a trace's symbol width comes from --extract".into(),
        );
    }
    Ok(method)
}

/// A symbol file named `shown` takes no `--extract`.
fn symbol_method(opts: &InputOptions, shown: &str) -> Result<(), String> {
    if opts.extract.is_some() {
        return Err(format!(
            "{shown} is not a kqent trace: --extract applies to traces only (for a symbol file, give --bits if needed)"
        ));
    }
    Ok(())
}

/// The warning for durations that share a tick above 1 ns, when the extraction keeps
/// their lowest bits: those bits are then not random.
///
/// ```
/// use kqent_pipeline::input::coarse_tick_warning;
/// let lsb = "lsb:4".parse().unwrap();
/// assert!(coarse_tick_warning(42, lsb).unwrap().contains("observed tick, 42 ns"));
/// assert!(coarse_tick_warning(1, lsb).is_none());
/// assert!(coarse_tick_warning(42, "xorfold".parse().unwrap()).is_none());
/// ```
pub fn coarse_tick_warning(tick_ns: u64, method: Extraction) -> Option<String> {
    coarse_tick_warning_in(tick_ns, "ns", method)
}

/// [`coarse_tick_warning`] for a tick measured in `unit` (`ticks` when the trace records
/// a tick counter's raw values).
fn coarse_tick_warning_in(tick: u64, unit: &str, method: Extraction) -> Option<String> {
    let low_bits = matches!(method, Extraction::Lsb(_) | Extraction::DeltaLsb(_));
    (tick > 1 && low_bits).then(|| {
        format!(
            "every duration is a multiple of the observed tick, {tick} {unit}, so its lowest \
             bits are not random; {method} counts them anyway (xorfold mixes in higher bits)"
        )
    })
}

/// Fills `buf` as far as the file allows; returns the number of bytes read.
fn read_prefix(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            k => got += k,
        }
    }
    Ok(got)
}

/// SHA-256 of `bytes`, lowercase hex.
///
/// ```
/// assert!(kqent_pipeline::input::sha256_hex(b"").starts_with("e3b0c442"));
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of durations as consecutive little-endian u64: a trace's `input.sha256`, the
/// data rather than the file, so it is the same for two collections with the same seed on
/// the mock backend.
///
/// ```
/// use kqent_pipeline::input::{durations_sha256, sha256_hex};
/// assert_eq!(durations_sha256(&[1, 2]), sha256_hex(&[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]));
/// ```
pub fn durations_sha256(durations: &[u64]) -> String {
    let mut h = Sha256::new();
    for d in durations {
        h.update(d.to_le_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
