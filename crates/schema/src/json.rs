//! Reading and writing report documents, with the `schema_version` check.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{DocKind, ResultReport, SchemaError, SweepManifest, SCHEMA_VERSION};

/// Pretty JSON with a final newline: the bytes written to disk. Field order is the struct
/// order, so equal documents give equal bytes.
///
/// ```
/// let s = kqent_schema::json::to_json(&serde_json::json!({"a": 1})).unwrap();
/// assert_eq!(s, "{\n  \"a\": 1\n}\n");
/// ```
pub fn to_json<T: Serialize>(doc: &T) -> Result<String, SchemaError> {
    let mut s = serde_json::to_string_pretty(doc)
        .map_err(|e| SchemaError::Serialize(format!("a report: {e}")))?;
    s.push('\n');
    Ok(s)
}

/// Checks `schema_version` (present, not newer than [`SCHEMA_VERSION`]) and `kind`.
pub fn check_header(path: &Path, doc: &Value, kind: DocKind) -> Result<(), SchemaError> {
    let bad = |message: String| SchemaError::Json {
        path: path.to_path_buf(),
        message,
    };
    let version = doc
        .get("schema_version")
        .ok_or_else(|| bad("no schema_version field".into()))?
        .as_u64()
        .ok_or_else(|| bad("schema_version is not a non-negative integer".into()))?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(SchemaError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        return Err(bad("schema_version 0 does not exist".into()));
    }
    let want = serde_json::to_value(kind).map_err(|e| bad(e.to_string()))?;
    match doc.get("kind") {
        Some(k) if *k == want => Ok(()),
        Some(k) => Err(bad(format!("kind is {k}, expected {want}"))),
        None => Err(bad("no kind field".into())),
    }
}

/// The largest document read (64 MiB; a result with its IID detail is well under 1 MiB).
pub const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

fn read_doc<T: DeserializeOwned>(path: &Path, kind: DocKind) -> Result<T, SchemaError> {
    use std::io::Read;
    let io = |e| SchemaError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // Bounded whatever the file claims or is (a FIFO, /dev/zero).
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(SchemaError::Json {
            path: path.to_path_buf(),
            message: format!("larger than the {MAX_DOCUMENT_BYTES} bytes a document may be"),
        });
    }
    parse_doc(path, &bytes, kind)
}

fn parse_doc<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    kind: DocKind,
) -> Result<T, SchemaError> {
    let bad = |e: serde_json::Error| SchemaError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let doc: Value = serde_json::from_slice(bytes).map_err(bad)?;
    check_header(path, &doc, kind)?;
    serde_json::from_value(doc).map_err(bad)
}

/// Reads a result JSON file (`kind: "result"`).
pub fn read_result(path: &Path) -> Result<ResultReport, SchemaError> {
    read_doc(path, DocKind::Result)
}

/// Parses result JSON bytes; `path` only names the source in errors.
pub fn parse_result(path: &Path, bytes: &[u8]) -> Result<ResultReport, SchemaError> {
    parse_doc(path, bytes, DocKind::Result)
}

/// Reads a sweep manifest (`kind: "sweep"`); knob lists whose product exceeds
/// [`crate::MAX_CONFIGS`] are refused here, before anyone builds it.
pub fn read_manifest(path: &Path) -> Result<SweepManifest, SchemaError> {
    let m: SweepManifest = read_doc(path, DocKind::Sweep)?;
    m.knobs.check_size().map_err(|message| SchemaError::Json {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(m)
}

/// The document without its `provenance`: what must be byte-identical between two runs
/// with the same input and seed.
///
/// ```
/// let v = serde_json::json!({"a": 1, "provenance": {"host": "x"}});
/// assert_eq!(kqent_schema::json::without_provenance(&v), serde_json::json!({"a": 1}));
/// ```
pub fn without_provenance(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(map) = doc.as_object_mut() {
        map.remove("provenance");
    }
    doc
}
