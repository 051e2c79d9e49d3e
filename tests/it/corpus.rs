//! Real-world and hostile projects under tests/corpus/, each with the `expect.json` that
//! `ca-env status --json` must agree with: the sources (name, tool, domain, owner, region,
//! repository), the variable names, and the problems (each starting with a given prefix, or
//! only their number). Add a folder to add a case.

use crate::support;

use std::fs;
use std::path::Path;

use support::{sources, strings, Sandbox};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() != "expect.json" {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_corpus_project() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<_> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the corpus went missing");
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        let expect: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(case.join("expect.json")).unwrap()).unwrap();
        let sb = Sandbox::new();
        copy_dir(&case, &sb.home().join(&name));
        let st = sb.status(&name);
        let mut why = Vec::new();
        let want_sources: Vec<[String; 6]> =
            serde_json::from_value(expect["sources"].clone()).unwrap();
        if sources(&st) != want_sources {
            why.push(format!("sources: got {:?}", sources(&st)));
        }
        if strings(&st["env"]) != strings(&expect["env"]) {
            why.push(format!("env: got {:?}", strings(&st["env"])));
        }
        let problems = strings(&st["problems"]);
        if let Some(prefixes) = expect.get("problems") {
            let prefixes = strings(prefixes);
            let ok = problems.len() == prefixes.len()
                && problems
                    .iter()
                    .zip(&prefixes)
                    .all(|(p, want)| p.starts_with(want.as_str()));
            if !ok {
                why.push(format!("problems: got {problems:?}"));
            }
        }
        if let Some(n) = expect.get("problem_count") {
            if problems.len() as u64 != n.as_u64().unwrap() {
                why.push(format!("problems: got {} {problems:#?}", problems.len()));
            }
        }
        if !why.is_empty() {
            failures.push(format!("{name}:\n  {}", why.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
