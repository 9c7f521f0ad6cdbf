//! `backend-brain generate`: writes BACKEND_BRAIN.md, and with `--check` is the staleness gate
//! that fails when the committed document differs from what would be written.

use std::path::Path;

use backend_brain_e2e::{fixtures_dir, run, run_in};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(path, text).expect("write file");
}

const APP: &str = "import express from 'express';
const app = express();
/** Says the service is up. */
app.get('/health', (_req, res) => res.send('ok'));
";

#[test]
fn the_showcase_document_is_current() {
    let out = run(&["generate", "fixtures/showcase", "--check"]);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, Some(0));
}

#[test]
fn every_fixture_gets_a_document_that_is_stable() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir().join("patterns"))
        .expect("fixtures/patterns")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let tmp = tempfile::tempdir().expect("temp dir");
        let doc = tmp.path().join("BACKEND_BRAIN.md");
        let doc_arg = doc.to_string_lossy().to_string();
        let dir_arg = dir.to_string_lossy().to_string();
        let first = run(&["generate", &dir_arg, "-o", &doc_arg]);
        assert_eq!(first.code, Some(0), "{}: {}", dir.display(), first.stderr);
        let text = std::fs::read_to_string(&doc).expect("written");
        assert!(text.starts_with("# Backend inventory\n"), "{text}");
        // Outside the root, locations are not links.
        assert!(!text.contains("](src/"), "{}", dir.display());
        let again = run(&["generate", &dir_arg, "-o", &doc_arg, "--check"]);
        assert_eq!(again.code, Some(0), "{}: {}", dir.display(), again.stdout);
    }
}

#[test]
fn check_fails_with_a_unified_diff_when_the_document_is_stale() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write(root, "src/app.ts", APP);

    let missing = run_in(root, &["generate", "--check"]);
    assert_eq!(missing.code, Some(1));
    assert_eq!(
        missing.stderr,
        "backend-brain: ./BACKEND_BRAIN.md does not exist; run `backend-brain generate` and commit it\n"
    );

    let written = run_in(root, &["generate"]);
    assert_eq!((written.code, written.stdout.as_str()), (Some(0), ""));
    assert_eq!(run_in(root, &["generate", "--check"]).code, Some(0));

    write(
        root,
        "src/app.ts",
        &format!("{APP}app.post('/orders', (_req, res) => res.send('ok'));\n"),
    );
    let stale = run_in(root, &["generate", "--check"]);
    assert_eq!(stale.code, Some(1));
    assert_eq!(
        stale.stderr,
        "backend-brain: ./BACKEND_BRAIN.md is not current; run `backend-brain generate` and commit it\n"
    );
    assert_eq!(
        stale.stdout,
        "--- ./BACKEND_BRAIN.md (on disk)
+++ ./BACKEND_BRAIN.md (generated)
@@ -11,9 +11,9 @@
 
 | What | Count |
 | --- | ---: |
-| Routes | 1 |
+| Routes | 2 |
 | Documented routes | 1 |
-| Undocumented routes | 0 |
+| Undocumented routes | 1 |
 | Routes behind auth | 0 |
 | Rate-limited routes | 0 |
 | Routes with a path computed at run time | 0 |
@@ -33,7 +33,7 @@
 ```mermaid
 %%{init: {\"flowchart\": {\"wrappingWidth\": 600}}}%%
 flowchart LR
-  f0[\"src/app.ts\"] --> r0[\"GET /health\"]
+  f0[\"src/app.ts\"] --> r0[\"GET /health<br/>POST /orders\"]
 ```
 
 ### Route inventory
@@ -41,6 +41,7 @@
 | Method | Path | Handler | Auth | Rate limit | Documented | Description |
 | --- | --- | --- | --- | --- | --- | --- |
 | GET | `/health` | `<inline>` [src/app.ts:4](src/app.ts#L4) | — | — | doc comment |  |
+| POST | `/orders` | `<inline>` [src/app.ts:5](src/app.ts#L5) | — | — | **no** |  |
 
 ## Health and operations
 
"
    );
    // The check wrote nothing.
    assert!(!std::fs::read_to_string(root.join("BACKEND_BRAIN.md"))
        .expect("still there")
        .contains("/orders"));
}

#[test]
fn a_description_written_in_the_document_documents_the_route_and_is_kept() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write(
        root,
        "src/app.ts",
        &format!("{APP}app.post('/orders', (_req, res) => res.send('ok'));\n"),
    );
    assert_eq!(run_in(root, &["generate"]).code, Some(0));
    let doc = root.join("BACKEND_BRAIN.md");
    let text = std::fs::read_to_string(&doc).expect("written");
    let row = "| POST | `/orders` | `<inline>` [src/app.ts:5](src/app.ts#L5) | — | — | **no** |  |";
    assert!(text.contains(row), "{text}");
    std::fs::write(
        &doc,
        text.replace(
            row,
            "| POST | `/orders` | `<inline>` [src/app.ts:5](src/app.ts#L5) | — | — | **no** | Places an order. |",
        ),
    )
    .expect("edit");
    // Now documented, the row says so: the document is stale until regenerated.
    assert_eq!(run_in(root, &["generate", "--check"]).code, Some(1));
    assert_eq!(run_in(root, &["generate"]).code, Some(0));
    let text = std::fs::read_to_string(&doc).expect("written");
    assert!(
        text.contains("| POST | `/orders` | `<inline>` [src/app.ts:5](src/app.ts#L5) | — | — | description | Places an order. |"),
        "{text}"
    );
    assert_eq!(run_in(root, &["generate", "--check"]).code, Some(0));
}

#[test]
fn a_document_below_the_root_links_back_up_and_stdout_is_a_target() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write(root, "src/app.ts", APP);
    std::fs::create_dir_all(root.join("docs")).expect("docs folder");
    let out = run_in(root, &["generate", ".", "-o", "docs/BACKEND_BRAIN.md"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let text = std::fs::read_to_string(root.join("docs/BACKEND_BRAIN.md")).expect("written");
    assert!(text.contains("[src/app.ts:4](../src/app.ts#L4)"), "{text}");
    let printed = run_in(root, &["generate", "-o", "-"]);
    assert_eq!(printed.code, Some(0));
    assert!(printed.stdout.contains("[src/app.ts:4](src/app.ts#L4)"));
    assert!(!root.join("BACKEND_BRAIN.md").exists());
}

#[test]
fn a_crlf_checkout_is_current() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write(root, "src/app.ts", APP);
    assert_eq!(run_in(root, &["generate"]).code, Some(0));
    let doc = root.join("BACKEND_BRAIN.md");
    let text = std::fs::read_to_string(&doc).expect("written");
    std::fs::write(&doc, text.replace('\n', "\r\n")).expect("crlf");
    assert_eq!(run_in(root, &["generate", "--check"]).code, Some(0));
}

#[test]
fn a_missing_root_exits_2() {
    let out = run(&["generate", "no/such/root", "--check"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("no/such/root"), "{}", out.stderr);
}
