//! `backend-brain check`: the language server's findings as a CI gate, in every format, with
//! exit codes 0 (clean), 1 (findings) and 2 (usage or I/O error).

use std::path::Path;
use std::process::Command;

use backend_brain_e2e::{fixtures_dir, repo_root, run, run_in};
use serde_json::Value;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(path, text).expect("write file");
}

const APP: &str = "import express from 'express';
const app = express();
/** Says the service is up. */
app.get('/health', (_req, res) => res.send('ok'));
app.get('/orders/:id', (_req, res) => res.send('ok'));
app.post('/orders', (_req, res) => res.send('ok'));
";

const DOC: &str = "# API

| Method | Path | Description |
| --- | --- | --- |
| POST | `/orders` | Places an order. |
| DELETE | `/orders/:id` | Cancels an order. |
";

fn backend() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "src/app.ts", APP);
    write(tmp.path(), "BACKEND_BRAIN.md", DOC);
    tmp
}

fn sarif_validator() -> jsonschema::Validator {
    let path = repo_root().join("tests/schemas/sarif-2.1.0-rtm.5.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vendored schema"))
            .expect("schema is JSON");
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
}

#[test]
fn text_lists_undocumented_routes_and_stale_rows() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["check"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout,
        "BACKEND_BRAIN.md:6:1: stale-doc: DELETE /orders/:id\n\
         src/app.ts:5:5: undocumented-route: GET /orders/:id\n"
    );
    assert_eq!(out.stderr, "backend-brain: 2 findings\n");
}

#[test]
fn paths_are_given_from_the_working_directory() {
    let tmp = backend();
    let parent = tmp.path().parent().expect("a parent");
    let name = tmp
        .path()
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .to_string();
    let out = run_in(parent, &["check", &name, "--kind", "undocumented-route"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout,
        format!("{name}/src/app.ts:5:5: undocumented-route: GET /orders/:id\n")
    );
}

#[test]
fn github_annotations() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["check", "--format", "github"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout,
        "::warning file=BACKEND_BRAIN.md,line=6,col=1,endLine=6,endColumn=47,title=stale-doc::DELETE /orders/:id is documented in BACKEND_BRAIN.md but the code no longer registers it: delete the row or move its text to the route's new row\n\
         ::warning file=src/app.ts,line=5,col=5,endLine=5,endColumn=8,title=undocumented-route::GET /orders/:id is undocumented: add a doc comment with a summary, or a row in BACKEND_BRAIN.md\n"
    );
}

#[test]
fn json_findings_and_counts() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.json(),
        serde_json::json!({
            "findings": [
                {
                    "code": "stale-doc", "severity": "warning", "file": "BACKEND_BRAIN.md",
                    "line": 6, "column": 1, "end_line": 6, "end_column": 47,
                    "subject": "DELETE /orders/:id",
                    "message": "DELETE /orders/:id is documented in BACKEND_BRAIN.md but the code no longer registers it: delete the row or move its text to the route's new row"
                },
                {
                    "code": "undocumented-route", "severity": "warning", "file": "src/app.ts",
                    "line": 5, "column": 5, "end_line": 5, "end_column": 8,
                    "subject": "GET /orders/:id",
                    "message": "GET /orders/:id is undocumented: add a doc comment with a summary, or a row in BACKEND_BRAIN.md"
                }
            ],
            "counts": { "stale-doc": 1, "undocumented-route": 1 }
        })
    );
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["check", "--format", "sarif"]);
    assert_eq!(out.code, Some(1));
    let log = out.json();
    assert_valid_sarif(&log);
    let first = &log["runs"][0];
    assert_eq!(first["tool"]["driver"]["name"], "backend-brain");
    let results: Vec<(String, String, u64)> = first["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("stale-doc".to_string(), "BACKEND_BRAIN.md".to_string(), 6),
            (
                "undocumented-route".to_string(),
                "src/app.ts".to_string(),
                5
            )
        ]
    );
    // A clean run is a valid log with no results.
    let clean = run(&["check", "fixtures/patterns/not-routes", "--format", "sarif"]);
    assert_valid_sarif(&clean.json());
}

#[test]
fn every_fixture_in_every_format() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir().join("patterns"))
        .expect("fixtures/patterns")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(fixtures_dir().join("showcase"));
    dirs.sort();
    for dir in dirs {
        let d = dir.to_string_lossy().to_string();
        let text = run(&["check", &d]);
        assert!(matches!(text.code, Some(0 | 1)), "{d}: {}", text.stderr);
        let lines = text.stdout.lines().count();
        assert_eq!(text.code == Some(1), lines > 0, "{d}");
        let github = run(&["check", &d, "--format", "github"]);
        assert_eq!(github.stdout.lines().count(), lines, "{d}");
        let json = run(&["check", &d, "--format", "json"]).json();
        assert_eq!(
            json["findings"].as_array().map(Vec::len),
            Some(lines),
            "{d}"
        );
        let sarif = run(&["check", &d, "--format", "sarif"]);
        assert_valid_sarif(&sarif.json());
    }
}

#[test]
fn a_documented_backend_passes() {
    let tmp = backend();
    write(
        tmp.path(),
        "BACKEND_BRAIN.md",
        "| Method | Path | Description |\n|---|---|---|\n| GET | /orders/:id | Reads one order. |\n| POST | /orders | Places an order. |\n",
    );
    let out = run_in(tmp.path(), &["check"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "", "")
    );
}

#[test]
fn kinds_come_from_flags_or_the_config_and_unknown_kinds_are_usage_errors() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["check", "--kind", "stale-doc"]);
    assert_eq!(
        out.stdout,
        "BACKEND_BRAIN.md:6:1: stale-doc: DELETE /orders/:id\n"
    );
    write(
        tmp.path(),
        "backend-brain.toml",
        "[check]\nkinds = ['duplicate-route']\n",
    );
    let out = run_in(tmp.path(), &["check"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""));
    let out = run_in(tmp.path(), &["check", "--kind", "typo"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("unknown finding kind `typo`"),
        "{}",
        out.stderr
    );
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {status:?}");
}

#[test]
fn changed_since_limits_findings_to_changed_files() {
    let tmp = backend();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    write(
        root,
        "src/users.ts",
        "import express from 'express';\nconst app = express();\napp.get('/users', (_req, res) => res.send('ok'));\n",
    );
    let out = run_in(root, &["check", "--changed-since", "HEAD"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "src/users.ts:3:5: undocumented-route: GET /users\n"
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "users"]);
    let out = run_in(root, &["check", "--changed-since", "HEAD"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""));
    let out = run_in(root, &["check", "--changed-since", "HEAD~1"]);
    assert_eq!(
        out.stdout,
        "src/users.ts:3:5: undocumented-route: GET /users\n"
    );
    let out = run_in(root, &["check", "--changed-since", "no-such-ref"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .starts_with("backend-brain: --changed-since: `git diff"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn changed_since_runs_no_program_the_checkout_configures() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = backend();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // A hostile checkout's own config asks git to run a program on every index refresh.
    let marker = root.join("ran");
    let hook = root.join(".git/hook.sh");
    std::fs::write(&hook, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    git(
        root,
        &["config", "core.fsmonitor", &hook.display().to_string()],
    );
    write(root, "src/users.ts", "export const x = 1;\n");
    let out = run_in(root, &["check", "--changed-since", "HEAD"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!marker.exists(), "the checkout's fsmonitor program ran");
}

#[test]
fn a_missing_root_or_a_bad_format_exits_2() {
    assert_eq!(run(&["check", "no/such/root"]).code, Some(2));
    assert_eq!(
        run(&["check", "fixtures/showcase", "--format", "xml"]).code,
        Some(2)
    );
}
