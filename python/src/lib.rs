//! `kqent._kqent`: the native half of the Python package `kqent`, a thin layer over
//! kqent-analysis (the computations), kqent-pipeline (the one path from an input to a
//! result document, the CLI's), kqent-schema (the documents) and kqent-trace (the trace
//! reader). Every result crosses into Python as the JSON text the CLI writes, parsed by
//! Python's `json` module, so a result here and the CLI's file are equal dicts.
//!
//! The restart and health documents are the CLI's (`src/cmd/restart.rs`,
//! `src/cmd/health.rs`), restated here: the binary defines them, not kqent-schema.
//!
//! Inputs are borrowed through the buffer protocol: a C-contiguous buffer of unsigned
//! bytes is read in place, anything else is copied once. The computation runs on a worker
//! thread while this thread waits with the GIL released, waking every 50 ms to let Python
//! run its signal handlers: a Ctrl-C raises KeyboardInterrupt here, cancels an IID run
//! (which polls the flag) and waits for it to stop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use kqent_analysis::api::{self, HealthOptions, RestartEstimators};
use kqent_analysis::assess::AssessOptions;
use kqent_analysis::iid::{IidOptions, PERMUTATIONS};
use kqent_analysis::inference::FamilyOptions;
use kqent_analysis::restart::{RestartOptions, DEFAULT_SIMULATION_ROUNDS};
use kqent_analysis::{AnalysisError, Extraction};
use kqent_pipeline::input::sha256_hex;
use kqent_pipeline::{Identity, Options, PipelineError, Track};
use kqent_schema::SchemaError;
use kqent_sweep::validate::{check, CheckOptions};
use kqent_sweep::SweepError;
use kqent_trace::TraceError;
use pyo3::buffer::{PyBuffer, PyUntypedBuffer};
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyRuntimeError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict};
use serde::Serialize;

/// The version of kqent this module was built from (recorded in every result).
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How often the waiting thread wakes to run Python's signal handlers.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Samples handed in by Python: borrowed when the buffer is a C-contiguous run of unsigned
/// bytes, copied otherwise.
struct Input {
    /// Keeps the exporter's memory alive and its size fixed (a bytearray cannot be resized
    /// and a numpy array cannot be reallocated while a buffer is held).
    buffer: PyUntypedBuffer,
    /// The copy, when the buffer was not contiguous.
    copy: Option<Vec<u8>>,
}

impl Input {
    /// Takes `data`'s buffer; a `ValueError` names the format when it is not one unsigned
    /// byte per item, a `TypeError` says so when `data` has no buffer at all.
    fn new(what: &str, data: &Bound<'_, PyAny>) -> PyResult<Input> {
        let buffer = PyUntypedBuffer::get(data).map_err(|_| {
            PyTypeError::new_err(format!(
                "{what} must support the buffer protocol (bytes, bytearray, memoryview or a \
                 numpy uint8 array), got {}",
                type_name(data)
            ))
        })?;
        let format = buffer.format().to_string_lossy().into_owned();
        let unsigned_byte = buffer.item_size() == 1
            && matches!(format.as_str(), "B" | "@B" | "=B" | "<B" | ">B" | "!B");
        if !unsigned_byte {
            return Err(PyValueError::new_err(format!(
                "{what} must hold one unsigned byte per sample (numpy dtype uint8, buffer \
                 format 'B'); got {}-byte items of format '{format}'{}",
                buffer.item_size(),
                dtype_of(data).map_or(String::new(), |d| format!(" (dtype {d})"))
            )));
        }
        let copy = if buffer.is_c_contiguous() {
            None
        } else {
            let typed: PyBuffer<u8> = buffer_u8(data)?;
            Some(typed.to_vec(data.py())?)
        };
        Ok(Input { buffer, copy })
    }

    /// The samples.
    fn bytes(&self) -> &[u8] {
        if let Some(c) = &self.copy {
            return c;
        }
        let len = self.buffer.len_bytes();
        if len == 0 {
            return &[];
        }
        // SAFETY: the buffer is C-contiguous, holds `len` bytes from `buf_ptr` and stays
        // exported (so allocated and of fixed size) for as long as `self` lives; `u8` has no
        // invalid values. Python code that writes into the array during a call races with
        // the read, as it would with any C extension that releases the GIL; the docs say
        // not to.
        unsafe { std::slice::from_raw_parts(self.buffer.buf_ptr() as *const u8, len) }
    }
}

fn buffer_u8(data: &Bound<'_, PyAny>) -> PyResult<PyBuffer<u8>> {
    PyBuffer::<u8>::get(data)
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "an object".into(), |n| n.to_string())
}

/// `obj.dtype` as text, for a numpy array.
fn dtype_of(obj: &Bound<'_, PyAny>) -> Option<String> {
    obj.getattr("dtype").ok().map(|d| d.to_string())
}

/// `bits` from Python: `None` infers, otherwise 1..=8.
fn width(bits: Option<i64>) -> PyResult<Option<u8>> {
    match bits {
        None => Ok(None),
        Some(b) => match u8::try_from(b) {
            Ok(w @ 1..=8) => Ok(Some(w)),
            _ => Err(PyValueError::new_err(
                AnalysisError::InvalidWidth(u32::try_from(b).unwrap_or(u32::MAX)).to_string(),
            )),
        },
    }
}

/// An analysis error as Python sees it: bad input is a `ValueError` with the CLI's message.
fn analysis_err(e: AnalysisError) -> PyErr {
    match e {
        AnalysisError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        other => PyValueError::new_err(other.to_string()),
    }
}

fn io_err(e: &std::io::Error, message: String) -> PyErr {
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

fn schema_err(e: SchemaError) -> PyErr {
    match &e {
        SchemaError::Io { source, .. } => io_err(source, e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

fn trace_err(path: &str, e: TraceError) -> PyErr {
    let message = format!("cannot read trace {path}: {e}");
    match &e {
        TraceError::Io(io) => io_err(io, message),
        _ => PyValueError::new_err(message),
    }
}

/// A serde value as the dict (list, number, ...) Python's `json` module makes of the JSON
/// text the CLI would write.
fn to_python<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot serialize the result: {e}")))?;
    json_loads(py, &text)
}

fn json_loads(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// A pipeline error as Python sees it: the analysis's as [`analysis_err`], any other a
/// `ValueError` with the CLI's message.
fn pipeline_err(e: PipelineError) -> PyErr {
    match e {
        PipelineError::Analysis(a) => analysis_err(a),
        PipelineError::Io { ref cause, .. } => io_err(cause, e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// Runs `job` on a worker thread (named `kqent-worker`) while this thread waits with the
/// GIL released. A pending Python signal (Ctrl-C) raises `cancel` and, once the worker has
/// stopped, its exception is returned instead of the result.
fn run_detached<T, F>(py: Python<'_>, job: F) -> PyResult<T>
where
    F: FnOnce(&AtomicBool) -> PyResult<T> + Send,
    T: Send,
{
    let cancel = AtomicBool::new(false);
    let (tx, mut rx) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("kqent-worker".into())
            .spawn_scoped(scope, || {
                let out = job(&cancel);
                // The receiver may be gone only if this thread panicked; nothing to tell.
                let _ = tx.send(());
                out
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
        let mut interrupted: Option<PyErr> = None;
        loop {
            let (finished, back) = py.detach(move || {
                let r = rx.recv_timeout(SIGNAL_POLL);
                // Disconnected: the worker ended without sending (a panic).
                (!matches!(r, Err(mpsc::RecvTimeoutError::Timeout)), rx)
            });
            rx = back;
            if finished {
                break;
            }
            if interrupted.is_none() {
                if let Err(e) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    interrupted = Some(e);
                }
            }
        }
        let out = worker
            .join()
            .map_err(|_| PyRuntimeError::new_err("kqent: internal error (a worker panicked)"))?;
        match interrupted {
            Some(e) => Err(e),
            None => out,
        }
    })
}

/// The SP 800-90B non-IID assessment of `data` (one sample per byte, the low `bits` bits
/// are the symbol; `bits=None` infers the width from the highest bit set), returned as the
/// result document `kqent analyze FILE --json` writes: the same dict `load_result` reads,
/// with `config_id` = `name`, `input.file` = None and this machine's `provenance`.
#[pyfunction]
#[pyo3(signature = (data, bits=None, *, conditioned=false, truncate=false, h_submitter=None, block=None, seed=0, name="data"))]
#[allow(clippy::too_many_arguments)]
fn assess(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    bits: Option<i64>,
    conditioned: bool,
    truncate: bool,
    h_submitter: Option<f64>,
    block: Option<(usize, usize)>,
    seed: u64,
    name: &str,
) -> PyResult<Py<PyAny>> {
    let input = Input::new("data", data)?;
    let bits = width(bits)?;
    if let Some((_, 0)) = block {
        return Err(PyValueError::new_err("block count must be at least 1"));
    }
    // What `kqent analyze FILE --json` does, through the same pipeline: the buffer stands
    // for a symbol file named `name`, assessed on the non-IID track.
    let opts = Options {
        track: Track::NonIid,
        assess: AssessOptions {
            conditioned,
            truncate,
            h_submitter,
            block,
        },
        iid: IidOptions {
            seed,
            ..IidOptions::default()
        },
        ..Options::default()
    };
    let started = SystemTime::now();
    let report = run_detached(py, |cancel| {
        let input = kqent_pipeline::Input::from_symbol_bytes(name, input.bytes().to_vec(), bits)
            .map_err(analysis_err)?;
        let id = Identity {
            config_id: Some(name.to_string()),
            file: None,
            ..Identity::alone(&input, started)
        };
        kqent_pipeline::result_document(&input, &opts, &id, Some(cancel)).map_err(pipeline_err)
    })?;
    to_python(py, &report)
}

/// The SP 800-90B IID track (section 5: chi-square, LRS and permutation tests, then the
/// IID estimate when all pass) on `data`, returned as the dict `kqent analyze --iid --json`
/// writes under `iid.detail`. A failed verdict is a result (`iid` is False), not an
/// error. Ctrl-C stops it with KeyboardInterrupt.
#[pyfunction]
#[pyo3(signature = (data, bits=None, seed=0, permutations=PERMUTATIONS, all_statistics=false))]
fn iid(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    bits: Option<i64>,
    seed: u64,
    permutations: usize,
    all_statistics: bool,
) -> PyResult<Py<PyAny>> {
    let input = Input::new("data", data)?;
    let bits = width(bits)?;
    let opts = IidOptions {
        seed,
        permutations,
        all_statistics,
    };
    let a = run_detached(py, |cancel| {
        api::iid_cancellable(input.bytes(), bits, &opts, Some(cancel)).map_err(analysis_err)
    })?;
    to_python(py, &a)
}

/// The document `kqent restart --json` writes.
#[derive(Serialize)]
struct RestartDocument<'a> {
    tool: &'static str,
    tool_version: &'static str,
    path: Option<String>,
    sha256: String,
    estimators: &'static str,
    restart: &'a kqent_analysis::restart::RestartAssessment,
}

/// The SP 800-90B restart tests (3.1.4) on `matrix`: 1,000 restarts of 1,000 samples each,
/// restart after restart (a buffer of 1,000,000 bytes, e.g. a (1000, 1000) uint8 array).
/// `iid=True` assesses rows and columns with MCV only. Returns the dict `kqent restart
/// --json` writes (`path` is None).
#[pyfunction]
#[pyo3(signature = (matrix, bits, h_initial, *, iid=false, seed=0, simulation_rounds=DEFAULT_SIMULATION_ROUNDS))]
fn restart(
    py: Python<'_>,
    matrix: &Bound<'_, PyAny>,
    bits: i64,
    h_initial: f64,
    iid: bool,
    seed: u64,
    simulation_rounds: u64,
) -> PyResult<Py<PyAny>> {
    let input = Input::new("matrix", matrix)?;
    let Some(bits) = width(Some(bits))? else {
        unreachable!("width(Some(_)) is Some or an error")
    };
    let opts = RestartOptions {
        h_initial,
        seed,
        simulation_rounds,
    };
    let estimators = if iid {
        RestartEstimators::Iid
    } else {
        RestartEstimators::NonIid
    };
    let (a, sha256) = run_detached(py, |_| {
        let bytes = input.bytes();
        let a = api::restart(bytes, bits, &opts, estimators).map_err(analysis_err)?;
        Ok((a, sha256_hex(bytes)))
    })?;
    let doc = RestartDocument {
        tool: "kqent",
        tool_version: VERSION,
        path: None,
        sha256,
        estimators: if iid { "iid" } else { "non_iid" },
        restart: &a,
    };
    to_python(py, &doc)
}

/// The document `kqent health --json` writes.
#[derive(Serialize)]
struct HealthDocument<'a> {
    input: Option<String>,
    extraction: Option<String>,
    bits: u8,
    #[serde(flatten)]
    report: &'a kqent_analysis::health::HealthReport,
}

/// The SP 800-90B health tests (4.4: Repetition Count and Adaptive Proportion) on `data`
/// for a claimed min-entropy of `h` bits per symbol: their cutoffs and every place they
/// fire, as the dict `kqent health --json` writes (`input` is None).
#[pyfunction]
#[pyo3(signature = (data, h, alpha=kqent_analysis::health::DEFAULT_ALPHA, bits=None))]
fn health(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    h: f64,
    alpha: f64,
    bits: Option<i64>,
) -> PyResult<Py<PyAny>> {
    let input = Input::new("data", data)?;
    let bits = width(bits)?;
    let (report, width) = run_detached(py, |_| {
        let s = api::symbols(input.bytes(), bits).map_err(analysis_err)?;
        let r = api::health_of(&s, &HealthOptions { h, alpha }).map_err(analysis_err)?;
        Ok((r, s.bits()))
    })?;
    let doc = HealthDocument {
        input: None,
        extraction: None,
        bits: width,
        report: &report,
    };
    to_python(py, &doc)
}

/// A numpy array over a copy of `bytes` (`dtype` in numpy's notation, e.g. `"<u8"`).
fn numpy_array(py: Python<'_>, bytes: &[u8], dtype: &str) -> PyResult<Py<PyAny>> {
    let numpy = py.import("numpy").map_err(|e| {
        PyErr::new::<pyo3::exceptions::PyImportError, _>(format!(
            "kqent needs numpy for this function: {e}"
        ))
    })?;
    // A bytearray, so that the array is writable; frombuffer does not copy it again.
    let storage = PyByteArray::new(py, bytes);
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", dtype)?;
    Ok(numpy
        .call_method("frombuffer", (storage,), Some(&kwargs))?
        .unbind())
}

/// Turns wait-call durations (ns; a numpy uint64 array or any sequence of non-negative
/// ints) into symbols with `method` (`"lsb:K"`, `"delta-lsb:K"` or `"xorfold"`, as
/// `--extract`); returns a numpy uint8 array.
#[pyfunction]
fn extract(py: Python<'_>, durations: &Bound<'_, PyAny>, method: &str) -> PyResult<Py<PyAny>> {
    let method: Extraction = method.parse().map_err(analysis_err)?;
    let values: Vec<u64> = match PyBuffer::<u64>::get(durations) {
        Ok(b) => b.to_vec(py)?,
        Err(_) => durations.extract().map_err(|_| {
            PyValueError::new_err(format!(
                "durations must be a sequence of non-negative integers (ns) or a numpy uint64 \
                 array, got {}{}",
                type_name(durations),
                dtype_of(durations).map_or(String::new(), |d| format!(" of dtype {d}"))
            ))
        })?,
    };
    let symbols = py.detach(|| method.apply(&values)).map_err(analysis_err)?;
    numpy_array(py, symbols.as_slice(), "u1")
}

/// Reads a kqent trace: returns `(records, metadata)`, `records` a dict of numpy arrays
/// (`start_ns`, `duration_ns` as uint64; `events`, `kinds`, `segment` as uint32), one entry
/// per timed wait call, and `metadata` the trace's JSON header as a dict.
#[pyfunction]
fn read_trace(py: Python<'_>, path: std::path::PathBuf) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let shown = path.display().to_string();
    let (meta, records) = py
        .detach(|| kqent_trace::read_file(&path))
        .map_err(|e| trace_err(&shown, e))?;
    let mut start = Vec::with_capacity(records.len() * 8);
    let mut duration = Vec::with_capacity(records.len() * 8);
    let mut events = Vec::with_capacity(records.len() * 4);
    let mut kinds = Vec::with_capacity(records.len() * 4);
    let mut segment = Vec::with_capacity(records.len() * 4);
    for r in &records {
        start.extend_from_slice(&r.start_ns.to_le_bytes());
        duration.extend_from_slice(&r.duration_ns.to_le_bytes());
        events.extend_from_slice(&r.events.to_le_bytes());
        kinds.extend_from_slice(&r.kinds.bits().to_le_bytes());
        segment.extend_from_slice(&r.segment.to_le_bytes());
    }
    let columns = PyDict::new(py);
    columns.set_item("start_ns", numpy_array(py, &start, "<u8")?)?;
    columns.set_item("duration_ns", numpy_array(py, &duration, "<u8")?)?;
    columns.set_item("events", numpy_array(py, &events, "<u4")?)?;
    columns.set_item("kinds", numpy_array(py, &kinds, "<u4")?)?;
    columns.set_item("segment", numpy_array(py, &segment, "<u4")?)?;
    Ok((columns.into_any().unbind(), to_python(py, &meta)?))
}

/// Reads a result document (`kqent analyze --json`, or a sweep's `results/*.json`),
/// checking its `schema_version` and `kind` as `kqent report` does, and returns it as a
/// dict, the shape `assess` returns.
#[pyfunction]
fn load_result(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    let bytes = std::fs::read(&path)
        .map_err(|e| io_err(&e, format!("cannot read {}: {e}", path.display())))?;
    kqent_schema::json::parse_result(&path, &bytes).map_err(schema_err)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| PyValueError::new_err(format!("{} is not UTF-8", path.display())))?;
    json_loads(py, &text)
}

/// The statistics of a sweep directory, or of one result file: what `kqent report` writes
/// as `summary.json` (every configuration's mean with its 95% CI, the comparisons by Welch
/// tests Holm-corrected at `alpha` and resolved against `margin` bits/symbol, the answer
/// and the caveats), as a dict. The results are checked as `kqent report` checks them; an
/// incomplete sweep is summarised and says so.
#[pyfunction]
#[pyo3(signature = (path, *, alpha=0.05, margin=0.05))]
fn summarize(
    py: Python<'_>,
    path: std::path::PathBuf,
    alpha: f64,
    margin: f64,
) -> PyResult<Py<PyAny>> {
    let options = FamilyOptions::with_rules(alpha, margin).map_err(analysis_err)?;
    let summary = py.detach(|| {
        let loaded = kqent_sweep::layout::load(&path)?;
        let checks = CheckOptions {
            allow_incomplete: true,
            directory: path.is_dir(),
            distinct_inputs: false,
        };
        check(&loaded, &checks)?;
        Ok::<_, SweepError>(kqent_schema::summary::summary_with(&loaded, options))
    });
    let summary = summary.map_err(|e| match &e {
        SweepError::Io { cause, .. } => io_err(cause, e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    })?;
    to_python(py, &summary)
}

/// For the tests: `(address, copied)` of the bytes the functions above read for `data`:
/// the buffer's own memory when `copied` is False.
#[pyfunction]
fn _input_address(data: &Bound<'_, PyAny>) -> PyResult<(usize, bool)> {
    let input = Input::new("data", data)?;
    Ok((input.bytes().as_ptr() as usize, input.copy.is_some()))
}

/// The native module; `kqent/__init__.py` re-exports it.
#[pymodule]
fn _kqent(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", VERSION)?;
    m.add_function(wrap_pyfunction!(assess, m)?)?;
    m.add_function(wrap_pyfunction!(iid, m)?)?;
    m.add_function(wrap_pyfunction!(restart, m)?)?;
    m.add_function(wrap_pyfunction!(health, m)?)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(read_trace, m)?)?;
    m.add_function(wrap_pyfunction!(load_result, m)?)?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(_input_address, m)?)?;
    Ok(())
}
