//! `kqent completions SHELL` and `kqent man`: generated from the clap definition; bash's
//! completion is exercised, the man page rendered by groff when it is installed.

use std::process::Command as Process;

use crate::common::kqent;

fn stdout_of(args: &[&str]) -> String {
    let out = kqent().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SUBCOMMANDS: [&str; 10] = [
    "collect",
    "export",
    "analyze",
    "restart",
    "health",
    "sweep",
    "report",
    "gate",
    "completions",
    "man",
];

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for (shell, marker) in [
        ("bash", "complete -F _kqent"),
        ("zsh", "#compdef kqent"),
        ("fish", "complete -c kqent"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[kqent]"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub} missing");
        }
    }
    kqent().args(["completions", "tcsh"]).assert().code(2);
}

/// Runs bash's completion function for the words typed so far and returns its answers.
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{script}\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _kqent kqent '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Process::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_options() {
    if Process::new("bash").arg("--version").output().is_err() {
        eprintln!("bash not found: skipping the completion run");
        return;
    }
    let script = stdout_of(&["completions", "bash"]);
    let commands = bash_complete(&script, &["kqent", "an"]);
    assert_eq!(commands, vec!["analyze"]);
    let options = bash_complete(&script, &["kqent", "analyze", "--tr"]);
    assert!(options.contains(&"--track".to_string()), "{options:?}");
    assert!(options.contains(&"--truncate".to_string()), "{options:?}");
    let values = bash_complete(&script, &["kqent", "analyze", "x.bin", "--track", ""]);
    assert_eq!(values, vec!["non-iid", "iid", "auto"]);
}

#[test]
fn man_page_documents_every_command() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &page[..80]
    );
    assert!(page.contains(".TH kqent 1"));
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("kqent\\-{sub}")), "{sub} missing");
    }
    if let Ok(out) = Process::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert!(out.status.success());
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(warnings.is_empty(), "groff: {warnings}");
    }

    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    stdout_of(&["man", "--dir", pages.to_str().unwrap()]);
    for name in ["kqent"]
        .into_iter()
        .map(String::from)
        .chain(SUBCOMMANDS.iter().map(|s| format!("kqent-{s}")))
    {
        let text = std::fs::read_to_string(pages.join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"));
        assert!(text.contains(&format!(".TH {name} 1")), "{name}");
    }
    let analyze = std::fs::read_to_string(pages.join("kqent-analyze.1")).unwrap();
    assert!(analyze.contains("\\-\\-permutations"));
}
