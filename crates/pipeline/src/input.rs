//! kqent's one input path: a file on disk becomes an [`Input`] — symbols, the hashes a
//! result records and, for a trace, its metadata, durations and event kinds — the same way
//! for `analyze`, `health`, `sweep` and anything later.
//!
//! The file is sniffed (a kqent trace starts with its magic; anything else is a NIST-format
//! symbol file, one sample per byte), read with a bound ([`MAX_SYMBOL_FILE_BYTES`]; a
//! trace's own reader checks its counts against its length), hashed, and a trace's
//! durations are extracted into symbols. A trace whose durations share a tick above 1 ns
//! carries a warning ([`Input::warnings`]): `lsb:K` and `delta-lsb:K` then count bits that
//! are not random.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use kqent_analysis::{AnalysisError, Extraction, Symbols};
use sha2::{Digest, Sha256};

use crate::PipelineError;

/// The largest symbol file read (1 GiB): one byte per sample, a thousand times what
/// SP 800-90B asks for; larger is refused before it is read.
pub const MAX_SYMBOL_FILE_BYTES: u64 = 1 << 30;

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

/// A trace's metadata, durations (ns) and event-kind bitmasks.
#[derive(Debug, Clone)]
pub struct TraceData {
    /// The trace's metadata (backend, knobs, clock, tick, collection provenance).
    pub meta: kqent_trace::Metadata,
    /// One duration per wait call, ns.
    pub durations: Vec<u64>,
    /// The event kinds of each wait call (`kqent_trace::EventKinds` bits).
    pub kinds: Vec<u32>,
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
pub fn read_input(path: &Path, opts: &InputOptions) -> Result<Input, PipelineError> {
    let shown = path.display();
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
    let mut file = File::open(path).map_err(|e| PipelineError::io("cannot open", path, e))?;
    let mut prefix = [0u8; 16];
    let got = read_prefix(&mut file, &mut prefix)
        .map_err(|e| PipelineError::io("cannot read", path, e))?;
    if got == 0 {
        return Err(bad(format!("{shown} is empty: the input holds no samples")));
    }
    if kqent_trace::looks_like_trace(&prefix[..got]) {
        let Some(method) = opts.extract else {
            return Err(bad(format!(
                "{shown} is a kqent trace: give --extract lsb:K, delta-lsb:K or xorfold"
            )));
        };
        if opts.bits.is_some() {
            return Err(bad(
                "--bits applies to symbol files; a trace's symbol width comes from --extract"
                    .into(),
            ));
        }
        drop(file);
        let trace_err = |e| PipelineError::Trace {
            path: path.to_path_buf(),
            cause: e,
        };
        // One read: the reader validates the header's counts against the file's length.
        let bytes = std::fs::read(path).map_err(|e| PipelineError::io("cannot read", path, e))?;
        let file_sha256 = sha256_hex(&bytes);
        let reader =
            kqent_trace::TraceReader::open(std::io::Cursor::new(bytes)).map_err(trace_err)?;
        let meta = reader.metadata().clone();
        let (durations, kinds) = reader.durations_and_kinds().map_err(trace_err)?;
        if durations.is_empty() {
            return Err(bad(format!("{shown}: the trace holds no samples")));
        }
        let symbols = method
            .apply(&durations)
            .map_err(|e| bad(format!("cannot extract symbols from {shown}: {e}")))?;
        let warnings = coarse_tick_warning(meta.tick_ns, method)
            .into_iter()
            .collect();
        Ok(Input {
            path: path.to_path_buf(),
            symbols,
            file_sha256,
            extraction: Some(method),
            trace: Some(TraceData {
                meta,
                durations,
                kinds,
            }),
            warnings,
        })
    } else {
        if opts.extract.is_some() {
            return Err(bad(format!(
                "{shown} is not a kqent trace: --extract applies to traces only (for a symbol file, give --bits if needed)"
            )));
        }
        if meta.len() > MAX_SYMBOL_FILE_BYTES {
            return Err(bad(format!(
                "{shown} holds {} bytes, more than the {MAX_SYMBOL_FILE_BYTES} a symbol file may",
                meta.len()
            )));
        }
        let mut data = prefix[..got].to_vec();
        // Bounded: a file that grows while being read is cut at the limit and refused.
        file.take(MAX_SYMBOL_FILE_BYTES + 1 - got as u64)
            .read_to_end(&mut data)
            .map_err(|e| PipelineError::io("cannot read", path, e))?;
        if data.len() as u64 > MAX_SYMBOL_FILE_BYTES {
            return Err(bad(format!(
                "{shown} holds more than the {MAX_SYMBOL_FILE_BYTES} bytes a symbol file may"
            )));
        }
        Input::from_symbol_bytes(path, data, opts.bits)
            .map_err(|e| bad(format!("{shown} is not a valid symbol file: {e}")))
    }
}

/// The warning for durations that share a tick above 1 ns, when the extraction keeps
/// their lowest bits: those bits are then not random.
///
/// ```
/// use kqent_pipeline::input::coarse_tick_warning;
/// let lsb = "lsb:4".parse().unwrap();
/// assert!(coarse_tick_warning(42, lsb).unwrap().contains("multiple of 42 ns"));
/// assert!(coarse_tick_warning(1, lsb).is_none());
/// assert!(coarse_tick_warning(42, "xorfold".parse().unwrap()).is_none());
/// ```
pub fn coarse_tick_warning(tick_ns: u64, method: Extraction) -> Option<String> {
    let low_bits = matches!(method, Extraction::Lsb(_) | Extraction::DeltaLsb(_));
    (tick_ns > 1 && low_bits).then(|| {
        format!(
            "every duration is a multiple of the observed tick, {tick_ns} ns, so its lowest \
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
