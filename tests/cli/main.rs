//! kqent's integration tests: one binary (linked once), one module per command or
//! concern, shared helpers in `common` and `report_fixtures`.

mod analyze;
mod analyze_sigint;
mod collect;
mod collector_sigint;
mod common;
mod ent_crosscheck;
mod export;
mod gate;
mod health;
mod one_path;
mod report;
mod report_end_to_end;
mod report_fixtures;
mod restart;
mod shell;
mod sweep;
mod sweep_resume;
