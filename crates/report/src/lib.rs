//! kqent's versioned report schema and its renderers.
//!
//! - [`schema`]: the JSON documents, one per analysed configuration and repetition
//!   ([`ResultReport`]) and one per sweep ([`SweepManifest`]), both carrying
//!   [`SCHEMA_VERSION`]; everything but `provenance` is reproducible.
//! - [`json`]: reading (with the `schema_version` check) and writing them.
//! - [`layout`]: the on-disk layout of a sweep directory (config ids, atomic writes,
//!   listing finished results for `--resume`) and the knob-list parser.
//! - [`aggregate`], [`compare`], [`series`]: pure summaries over results (min/mean/max per
//!   configuration, "does combining event kinds add entropy?", H against each knob).
//! - [`gate`]: the CI quality gate's verdicts and their JUnit XML.
//! - [`plot`], [`html`], [`markdown`]: SVG plots (plotters), the self-contained HTML page
//!   and the Markdown summary. Renderers compute nothing; they draw what they are given.

#![warn(missing_docs)]

pub mod aggregate;
pub mod build;
pub mod compare;
pub mod error;
pub mod fixture;
pub mod gate;
pub mod html;
pub mod json;
pub mod layout;
pub mod markdown;
pub mod overview;
pub mod plot;
pub mod provenance;
pub mod schema;
pub mod series;
mod xml;

pub use error::ReportError;
pub use schema::{
    DocKind, ExternalSource, IidSlot, InputInfo, KnobLists, Knobs, Provenance, ResultReport,
    SweepManifest, SCHEMA_VERSION,
};
