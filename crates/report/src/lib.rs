//! kqent's renderers: they draw finished documents and compute nothing (like hyperfine's
//! exporters). Each is a pure function from a document to text or bytes; writing files is
//! the caller's.
//!
//! - [`text`]: what the terminal shows (`kqent analyze`, `kqent health`, sweep summaries).
//! - [`aggregate`], [`compare`], [`series`]: arrange results for display (min/mean/max per
//!   configuration, "does combining event kinds add entropy?", H against each knob).
//! - [`gate`]: the CI quality gate's verdicts; [`junit`]: their JUnit XML.
//! - [`plot`], [`html`], [`markdown`]: SVG plots (plotters), the self-contained HTML page
//!   and the Markdown summary.
//!
//! The documents themselves are `kqent_schema`'s; they are re-exported here for the
//! renderers' callers.

#![warn(missing_docs)]

pub mod aggregate;
pub mod compare;
pub mod error;
pub mod escape;
pub mod findings;
pub mod gate;
pub mod html;
pub mod html_stats;
pub mod junit;
pub mod markdown;
pub mod markdown_stats;
pub mod overview;
pub mod plot;
pub mod series;
pub mod text;
mod xml;

pub use error::ReportError;
pub use kqent_schema::{
    DocKind, ExternalSource, IidSlot, InputInfo, KnobLists, Knobs, Loaded, Provenance,
    ResultReport, SweepManifest, SCHEMA_VERSION,
};
