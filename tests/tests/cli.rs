//! The command line as users meet it: the table, exit codes, and what happens with roots and
//! files that are not what the tool expects.

use std::path::Path;

use backend_brain_e2e::{fixtures_dir, inventory_schema, run, run_in};
use serde_json::Value;

fn routes(json: &Value) -> Vec<String> {
    json["routes"]
        .as_array()
        .expect("routes is an array")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(path, bytes).expect("write file");
}

const APP: &str = "import express from 'express';
import { Server } from 'socket.io';

const app = express();
app.get('/health', (_req, res) => res.send('ok'));

const io = new Server();
io.on('connection', (socket) => {
  socket.emit('hello', { at: Date.now() });
});
";

#[test]
fn the_table_for_middleware_and_auth() {
    let out = run(&["inventory", "fixtures/patterns/middleware-and-auth"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let expected = "\
METHOD  PATH                      HANDLER                         AUTH                   REGISTERED AT
GET     /account/admin/users      reply@src/routes/account.ts:13  authenticate           src/routes/account.ts:28
DELETE  /account/admin/users/:id  reply@src/routes/account.ts:13  authenticate           src/routes/account.ts:29
POST    /account/login            reply@src/routes/account.ts:13  -                      src/routes/account.ts:15
GET     /account/me               reply@src/routes/account.ts:13  authenticate           src/routes/account.ts:24
GET     /account/settings         reply@src/routes/account.ts:13  authenticate           src/routes/account.ts:30
POST    /account/token/refresh    reply@src/routes/account.ts:13  passport.authenticate  src/routes/account.ts:16

KIND  EVENT  NAMESPACE  HANDLER / PAYLOAD  AT

6 routes, 0 socket events
";
    assert_eq!(out.stdout, expected);
}

#[test]
fn the_table_lists_socket_events_and_dynamic_names() {
    let dir = fixtures_dir().join("patterns/socketio-dynamic-names");
    let out = run(&["inventory", &dir.to_string_lossy()]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("KIND") && l.contains("EVENT")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("emit") && l.contains("? `order:${status}`")),
        "a computed name shows its expression:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("0 routes, 8 socket events\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_root_without_a_backend_prints_empty_lists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(&["inventory", &dir.path().to_string_lossy(), "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let json = out.json();
    assert_eq!(json["routes"], serde_json::json!([]));
    assert_eq!(json["socket_events"], serde_json::json!([]));
    assert!(
        jsonschema::draft202012::is_valid(&inventory_schema(), &json),
        "{json}"
    );

    let table = run(&["inventory", &dir.path().to_string_lossy()]);
    assert_eq!(table.code, Some(0), "{}", table.stderr);
    assert!(
        table.stdout.ends_with("0 routes, 0 socket events\n"),
        "{}",
        table.stdout
    );
}

#[test]
fn the_default_root_is_the_working_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "src/app.ts", APP.as_bytes());
    let out = run_in(dir.path(), &["inventory", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(routes(&out.json()), vec!["GET /health"]);
}

#[test]
fn a_missing_root_exits_2_and_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-backend");
    let missing = missing.to_string_lossy();
    for args in [
        vec!["inventory", &*missing, "--json"],
        vec!["inventory", &*missing],
    ] {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}: nothing on stdout");
        assert!(
            out.stderr.contains(&*missing),
            "{args:?}: stderr names the path: {}",
            out.stderr
        );
    }
}

#[test]
fn a_root_that_is_a_file_exits_2_and_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.ts", APP.as_bytes());
    let file = dir.path().join("app.ts");
    let out = run(&["inventory", &file.to_string_lossy(), "--json"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains(&*file.to_string_lossy()),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let out = run(&["inventory", "--no-such-flag"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);

    let out = run(&["frobnicate"]);
    assert_eq!(out.code, Some(2), "{out:?}");

    let out = run(&["inventory", "--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    for flag in ["--json", "--include-tests"] {
        assert!(
            out.stdout.contains(flag),
            "help mentions {flag}:\n{}",
            out.stdout
        );
    }
}

/// Files that are not source text are named on stderr and skipped; the rest is inventoried.
#[test]
fn unreadable_files_are_named_and_the_rest_is_inventoried() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "src/app.ts", APP.as_bytes());
    write(
        root,
        "src/latin1.ts",
        b"export const greeting = 'Gr\xfc\xdfe aus K\xf6ln';\n",
    );
    write(
        root,
        "src/logo.ts",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    );
    // Generated code over the default 1 MiB limit.
    let mut generated =
        b"var a=require('express')();a.get('/from-generated',function(q,s){s.end()});".to_vec();
    generated.extend(std::iter::repeat_n(b';', 1024 * 1024 + 1));
    write(root, "src/generated.js", &generated);
    // A bundle, by its name, is build output: skipped without a word, whatever its size.
    write(
        root,
        "public/vendor.bundle.js",
        b"var a=require('express')();a.get('/from-bundle',function(q,s){s.end()});",
    );

    let out = run(&["inventory", &root.to_string_lossy(), "--json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stderr.contains("vendor.bundle.js"), "{}", out.stderr);
    for name in ["src/latin1.ts", "src/logo.ts", "src/generated.js"] {
        assert!(
            out.stderr.lines().any(|l| l.contains(name)),
            "{name} is named on stderr:\n{}",
            out.stderr
        );
    }
    assert!(
        !out.stderr.contains("src/app.ts"),
        "the good file is not a problem:\n{}",
        out.stderr
    );
    let json = out.json();
    assert!(jsonschema::draft202012::is_valid(
        &inventory_schema(),
        &json
    ));
    assert_eq!(routes(&json), vec!["GET /health"]);
    let events: Vec<&str> = json["socket_events"]
        .as_array()
        .expect("socket_events")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(events, vec!["hello"]);
}

/// A file the parser cannot make sense of is named on stderr; the rest is inventoried.
#[test]
fn unparsable_files_are_named_and_the_rest_is_inventoried() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "src/app.ts", APP.as_bytes());
    write(
        root,
        "src/broken.ts",
        b"export default class {{{ router.get(( ]] => ;;; import from\n",
    );
    let out = run(&["inventory", &root.to_string_lossy(), "--json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.lines().any(|l| l.contains("src/broken.ts")),
        "src/broken.ts is named on stderr:\n{}",
        out.stderr
    );
    assert!(
        routes(&out.json()).contains(&"GET /health".to_string()),
        "{}",
        out.stdout
    );
}

#[test]
fn test_code_is_left_out_unless_asked_for() {
    let dir = fixtures_dir().join("patterns/test-code-excluded");
    let dir = dir.to_string_lossy();
    let default = routes(&run(&["inventory", &dir, "--json"]).json());
    assert_eq!(default, vec!["GET /health", "GET /users/:id"]);

    let with_tests = run(&["inventory", &dir, "--json", "--include-tests"]);
    assert_eq!(with_tests.code, Some(0), "{}", with_tests.stderr);
    let with_tests = routes(&with_tests.json());
    for route in &default {
        assert!(with_tests.contains(route), "{route} is still listed");
    }
    assert!(
        with_tests.len() > default.len(),
        "--include-tests lists the routes test code registers: {with_tests:?}"
    );
}

#[test]
fn backend_brain_toml_is_read_from_the_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "src/app.ts", APP.as_bytes());
    write(
        root,
        "src/app.test.ts",
        b"import express from 'express';\nconst app = express();\napp.post('/__reset', (_q, s) => s.end());\n",
    );
    write(
        root,
        "scripts/seed.ts",
        b"import express from 'express';\nconst app = express();\napp.post('/seed', (_q, s) => s.end());\n",
    );
    let root_arg = root.to_string_lossy();

    let before = routes(&run(&["inventory", &root_arg, "--json"]).json());
    assert_eq!(before, vec!["GET /health", "POST /seed"]);

    write(
        root,
        "backend-brain.toml",
        b"[index]\ninclude_tests = true\nexclude = ['scripts/**']\n",
    );
    let after = run(&["inventory", &root_arg, "--json"]);
    assert_eq!(after.code, Some(0), "{}", after.stderr);
    assert_eq!(after.stderr, "");
    assert_eq!(routes(&after.json()), vec!["POST /__reset", "GET /health"]);
}

#[test]
fn a_bad_backend_brain_toml_is_reported_and_defaults_apply() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "src/app.ts", APP.as_bytes());
    write(
        root,
        "backend-brain.toml",
        b"[index]\ninclude_test = true\n",
    );
    let out = run(&["inventory", &root.to_string_lossy(), "--json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("backend-brain.toml") && out.stderr.contains("include_test"),
        "the problem and its place are named:\n{}",
        out.stderr
    );
    assert_eq!(routes(&out.json()), vec!["GET /health"]);
}
