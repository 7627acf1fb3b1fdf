//! The Python reader in the README works on a trace written by this crate.

mod common;

use std::process::Command;

use common::*;

const DOC: &str = include_str!("../../../README.md");

fn python_snippet() -> &'static str {
    let start = DOC.find("```python\n").expect("python block") + "```python\n".len();
    let len = DOC[start..].find("```").expect("end of python block");
    &DOC[start..start + len]
}

#[test]
fn documented_python_reader_reads_a_trace() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not found: skipping the check of the documented Python reader");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.kqt");
    let mut m = meta();
    m.provenance.host = Some("höst".into());
    let recs = records(30, 125);
    std::fs::write(&path, trace_bytes(&m, &recs)).unwrap();

    let script = format!(
        "{}\nimport sys\nmeta, recs = read_trace(sys.argv[1])\n\
         print(meta['samples'], meta['tick_ns'], meta['provenance']['host'], len(recs))\n\
         for r in recs: print(*r)\n",
        python_snippet()
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut want = String::from("30 125 höst 30\n");
    for r in &recs {
        want += &format!(
            "{} {} {} {} {}\n",
            r.start_ns, r.duration_ns, r.events, r.kinds.0, r.segment
        );
    }
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}
