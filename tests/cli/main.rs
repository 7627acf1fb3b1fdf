//! kqent's integration tests: one binary (linked once), one module per command or
//! concern, shared helpers in `common` and `report_fixtures`.

mod analyze;
mod analyze_sigint;
mod collect;
mod collector_sigint;
mod common;
mod deploy;
mod ent_crosscheck;
mod export;
mod findings;
mod fuzz;
mod gate;
mod gate_policy;
mod hardening;
mod health;
mod html_browser;
mod junit;
mod limited;
mod one_path;
#[cfg(feature = "openentropy")]
mod openentropy_crosscheck;
mod profile;
mod progress;
mod report;
mod report_end_to_end;
mod report_fixtures;
mod restart;
mod shard;
mod shell;
mod stdio;
mod sweep;
mod sweep_resume;
mod sweep_resume_alone;
