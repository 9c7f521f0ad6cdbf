//! `find`, `explain`, colors, completions and the man page, as a person meets them: exact
//! expected text on the showcase backend, and exit codes.

use std::path::Path;
use std::process::Command;

use backend_brain_e2e::{binary, fixtures_dir, run, run_in};

fn showcase() -> std::path::PathBuf {
    fixtures_dir().join("showcase")
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(path, text).expect("write file");
}

#[test]
fn find_lists_matching_routes_best_first_with_clickable_places() {
    let out = run_in(&showcase(), &["find", "/api/v1/garages/me/"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "\
GET /api/v1/garages/me
  route    src/routes/garages.ts:29
  handler  src/controllers/garage.controller.ts:19  getMyGarage

PATCH /api/v1/garages/me
  route    src/routes/garages.ts:30
  handler  src/controllers/garage.controller.ts:23  updateMyGarage

GET /api/v1/garages/:id  id=me
  route    src/routes/garages.ts:40
  handler  src/controllers/garage.controller.ts:10  getGarage
"
    );
}

#[test]
fn find_takes_a_full_url_with_its_method_and_a_root() {
    let root = showcase();
    let out = run(&[
        "find",
        "GET",
        "https://api.example.com/api/v1/orders/42?x=1",
        "--root",
        &root.to_string_lossy(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
GET /api/v1/orders/:id  id=42
  route    src/routes/orders.ts:24
  handler  src/controllers/order.controller.ts:23  OrderController.get
"
    );
    let out = run_in(&root, &["find", "/api/v1/orders/42", "--method", "post"]);
    assert_eq!(out.code, Some(1), "no POST route serves it");
}

#[test]
fn find_without_a_match_shows_the_closest_routes_and_exits_1() {
    let out = run_in(&showcase(), &["find", "PUT", "/api/v1/orders/42"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout,
        "\
no route matches PUT /api/v1/orders/42

closest routes:
  GET    /api/v1/orders/:id          src/routes/orders.ts:24  the path matches; the method differs
  POST   /api/v1/orders/:id/cancel   src/routes/orders.ts:34
  GET    /api/v1/orders/:id/invoice  src/routes/orders.ts:35
  PATCH  /api/v1/orders/:id/status   src/routes/orders.ts:27
  GET    /api/v1/orders              src/routes/orders.ts:20
"
    );
}

#[test]
fn find_json_has_the_request_the_matches_and_their_params() {
    let out = run_in(
        &showcase(),
        &["find", "/api/v1/part-requests/7/bids/9", "--json"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["request"]["path"], "/api/v1/part-requests/7/bids/9");
    let m = &json["matches"][0];
    assert_eq!(m["method"], "DELETE");
    assert_eq!(m["path"], "/api/v1/part-requests/:requestId/bids/:bidId");
    assert_eq!(
        m["params"],
        serde_json::json!({"requestId": "7", "bidId": "9"})
    );
    assert_eq!(m["file"], "src/routes/bids.ts");
    assert_eq!(m["handler"]["name"], "withdrawBid");
    assert_eq!(json["closest"], serde_json::json!([]));
}

#[test]
fn explain_prints_a_route_as_a_tree() {
    let out = run_in(&showcase(), &["explain", "POST", "/api/v1/auth/login"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
POST /api/v1/auth/login
├─ registered  src/routes/auth.ts:29
├─ handler     login  src/controllers/auth.controller.ts:9
├─ middleware  in order
│  ├─ helmet()
│  ├─ cors
│  ├─ compression
│  ├─ express.json
│  ├─ globalLimiter
│  ├─ authLimiter
│  └─ validate
├─ auth        none
├─ rate limit  5/15min
├─ docs        documented
│  └─ Exchanges email and password for an access token and a refresh token.
├─ emits       no socket events in the handler's body
├─ services
│  ├─ AuthService.issueTokens
│  └─ AuthService.login
└─ tables
   ├─ garages         read
   ├─ refresh_tokens  write
   └─ users           read
"
    );
}

#[test]
fn explain_finds_a_route_by_a_concrete_path_or_by_file_and_line() {
    let root = showcase();
    let by_pattern = run_in(&root, &["explain", "GET /api/v1/garages/me"]);
    let by_path = run_in(&root, &["explain", "GET", "/api/v1/garages/me/"]);
    let by_line = run_in(&root, &["explain", "src/routes/garages.ts:29"]);
    let by_handler = run_in(
        &root,
        &["explain", "src/controllers/garage.controller.ts:19"],
    );
    let expected = "\
GET /api/v1/garages/me
├─ registered  src/routes/garages.ts:29
├─ handler     getMyGarage  src/controllers/garage.controller.ts:19
├─ middleware  in order
│  ├─ helmet()
│  ├─ cors
│  ├─ compression
│  ├─ express.json
│  ├─ globalLimiter
│  ├─ authenticate  ← auth
│  └─ requireRole('garage')
├─ auth        authenticate
├─ rate limit  none seen
├─ docs        undocumented
├─ emits       no socket events in the handler's body
├─ services
│  └─ GarageService.getByOwner
└─ tables
   └─ garages  read
";
    for out in [by_pattern, by_path, by_line, by_handler] {
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        assert_eq!(out.stdout, expected);
    }
    let none = run_in(&root, &["explain", "GET", "/nowhere"]);
    assert_eq!(none.code, Some(1));
    assert_eq!(none.stdout, "no route matches GET /nowhere\n");
}

#[test]
fn explain_shows_the_events_a_handler_emits_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "src/app.ts",
        "import express from 'express';
import { Server } from 'socket.io';

const app = express();
const io = new Server();

app.post('/bids', authenticate, (req, res) => {
  io.emit('bid:new', { id: 1, amount: 2 });
  io.of('/admin').emit('audit', { what: 'bid' });
  res.send('ok');
});
io.emit('elsewhere', {});
",
    );
    let out = run_in(dir.path(), &["explain", "POST", "/bids"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
POST /bids
├─ registered  src/app.ts:7
├─ handler     <inline>  src/app.ts:7
├─ middleware  in order
│  └─ authenticate  ← auth
├─ auth        authenticate
├─ rate limit  none seen
├─ docs        undocumented
├─ emits
│  ├─ bid:new  src/app.ts:8  {id, amount}
│  └─ audit  src/app.ts:9  ns=/admin  {what}
├─ services    none reached
└─ tables      none reached
"
    );
    let json = run_in(dir.path(), &["explain", "POST", "/bids", "--json"]).json();
    assert_eq!(json[0]["emits"][1]["name"], "audit");
    assert_eq!(json[0]["middleware"][0]["auth"], true);
    assert_eq!(json[0]["registered"]["line"], 7);
}

fn colored(args: &[&str], no_color: bool) -> String {
    let mut cmd = Command::new(binary());
    cmd.current_dir(showcase()).args(args);
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().expect("the binary runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn color_is_for_terminals_unless_asked_for() {
    let find = ["find", "/api/v1/orders/42"];
    let plain = colored(&find, false);
    assert!(!plain.contains('\x1b'), "a pipe gets plain text: {plain:?}");
    let always = colored(&["--color", "always", "find", "/api/v1/orders/42"], false);
    assert!(always.contains("\x1b[1m\x1b[32mGET\x1b[0m"), "{always:?}");
    let never = colored(&["--color=never", "find", "/api/v1/orders/42"], false);
    assert_eq!(never, plain);
    assert_eq!(colored(&find, true), plain);
    // The styled text is the plain text with styles: the same columns.
    let stripped = always
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or(part, |(_, rest)| rest)
            }
        })
        .collect::<String>();
    assert_eq!(stripped, plain);
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        for word in ["backend-brain", "find", "explain", "color"] {
            assert!(out.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).code, Some(2));
}

#[test]
fn the_man_page_renders() {
    let out = run(&["man"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains(".TH backend-brain 1"), "{}", out.stdout);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(out.stdout.contains(section), "no {section}");
    }
    // Rendered by groff when the machine has it, as `man` would.
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("backend-brain.1");
    std::fs::write(&page, &out.stdout).expect("write page");
    if let Ok(rendered) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(&page)
        .output()
    {
        assert!(rendered.status.success());
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(text.contains("backend-brain"), "{text}");
        assert!(
            String::from_utf8_lossy(&rendered.stderr).is_empty(),
            "groff warns: {}",
            String::from_utf8_lossy(&rendered.stderr)
        );
    }
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in ["inventory", "find", "explain", "completions", "man", "lsp"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(out.code, Some(0), "{sub}");
        assert!(
            out.stdout.contains("Examples:"),
            "{sub} --help:\n{}",
            out.stdout
        );
    }
    let top = run(&["--help"]);
    assert!(top.stdout.contains("Exit codes:"), "{}", top.stdout);
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(run(&["find"]).code, Some(2));
    assert_eq!(run(&["find", "/x", "--method", "FETCH"]).code, Some(2));
    let missing = run(&["find", "/x", "--root", "/no/such/folder"]);
    assert_eq!(missing.code, Some(2));
    assert!(
        missing.stderr.contains("no such directory"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        run(&["explain", "GET", "/x", "--root", "/no/such/folder"]).code,
        Some(2)
    );
    assert_eq!(run(&["--color", "sometimes", "find", "/x"]).code, Some(2));
}

#[test]
fn quiet_and_piped_runs_print_nothing_on_stderr() {
    let out = run_in(&showcase(), &["--quiet", "inventory"]);
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stderr, "");
    let out = run_in(&showcase(), &["find", "/health"]);
    assert_eq!(out.stderr, "", "no progress when stderr is not a terminal");
}

#[test]
fn the_colored_inventory_table_keeps_its_columns() {
    let args = ["inventory", "../patterns/middleware-and-auth"];
    let plain = colored(&args, false);
    let mut always_args = vec!["--color", "always"];
    always_args.extend(args);
    let always = colored(&always_args, false);
    assert!(
        always.starts_with("\x1b[1m\x1b[4mMETHOD\x1b[0m  "),
        "{always:?}"
    );
    assert!(
        always.contains("\x1b[1m\x1b[31mDELETE\x1b[0m"),
        "{always:?}"
    );
    let stripped = always
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or(part, |(_, rest)| rest)
            }
        })
        .collect::<String>();
    assert_eq!(stripped, plain);
    assert!(plain.starts_with("METHOD  PATH"), "{plain}");
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = backend_brain_e2e::repo_root().join("docs").join(name);
    let text = std::fs::read_to_string(&path).expect("the schema exists");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::meta::validate(&schema).expect("the schema is a valid JSON Schema");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, instance: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{instance:#}");
}

#[test]
fn find_and_explain_json_follow_their_schemas() {
    let root = showcase();
    let find = schema("find.schema.json");
    for args in [
        ["find", "/api/v1/garages/me", "--json"],
        ["find", "PUT /api/v1/orders/42", "--json"],
        ["find", "/api/v1/uploads/x%2Fy", "--json"],
    ] {
        assert_valid(&find, &run_in(&root, &args).json());
    }
    let explain = schema("explain.schema.json");
    for args in [
        ["explain", "POST /api/v1/auth/login", "--json"],
        ["explain", "src/routes/users.ts:12", "--json"],
        ["explain", "GET /nowhere", "--json"],
    ] {
        assert_valid(&explain, &run_in(&root, &args).json());
    }
}
