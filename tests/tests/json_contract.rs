//! `backend-brain inventory --json` is a contract: its output validates against
//! docs/inventory.schema.json, and on every pattern fixture it lists exactly the entries of that
//! fixture's hand-written `expected.txt`, in the same order.

use std::path::{Path, PathBuf};

use backend_brain_e2e::{expected_section, fixtures_dir, inventory_schema, run, run_in};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let schema = inventory_schema();
    jsonschema::draft202012::new(&schema).expect("docs/inventory.schema.json compiles")
}

/// Every schema violation of `instance`, one per line.
fn violations(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn pattern_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join("patterns"))
        .expect("fixtures/patterns exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.txt").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The last field of an expectation line: `at=FILE:LINE`.
fn at_field(line: &str) -> &str {
    line.rsplit("  ").next().unwrap_or("")
}

/// A route as its expectation line begins and ends: `METHOD PATH  at=FILE:LINE`.
fn route_key(route: &Value) -> String {
    format!(
        "{} {}  at={}:{}",
        route["method"].as_str().unwrap_or("<no method>"),
        route["path"].as_str().unwrap_or("<no path>"),
        route["file"].as_str().unwrap_or("<no file>"),
        route["line"]
    )
}

/// A socket event as its expectation line begins and ends: `KIND NAME  at=FILE:LINE`.
fn event_key(event: &Value) -> String {
    format!(
        "{} {}  at={}:{}",
        event["kind"].as_str().unwrap_or("<no kind>"),
        event["name"].as_str().unwrap_or("?"),
        event["file"].as_str().unwrap_or("<no file>"),
        event["line"]
    )
}

fn expected_key(line: &str) -> String {
    let head = line.split("  ").next().unwrap_or("");
    format!("{head}  {}", at_field(line))
}

/// The entries only one side has (`-` expected, `+` actual), or a note that only the order differs.
fn diff(want: &[String], got: &[String]) -> String {
    let mut out = String::new();
    for w in want.iter().filter(|w| !got.contains(w)) {
        out.push_str(&format!("    - {w}\n"));
    }
    for g in got.iter().filter(|g| !want.contains(g)) {
        out.push_str(&format!("    + {g}\n"));
    }
    if out.is_empty() {
        out.push_str("    (the same entries in a different order or number)\n");
    }
    out
}

/// Checks one fixture folder; returns what is wrong with it.
fn check_fixture(validator: &jsonschema::Validator, dir: &Path) -> Result<(), String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = std::fs::read_to_string(dir.join("expected.txt"))
        .map_err(|e| format!("{name}: expected.txt: {e}"))?;
    let out = run(&["inventory", &dir.to_string_lossy(), "--json"]);
    if out.code != Some(0) {
        return Err(format!("{name}: exit code {:?}\n{}", out.code, out.stderr));
    }
    let json = out.json();
    let errors = violations(validator, &json);
    if !errors.is_empty() {
        return Err(format!(
            "{name}: output does not match the schema:\n  {}",
            errors.join("\n  ")
        ));
    }
    let mut problems = Vec::new();
    for (section, key) in [
        ("routes", route_key as fn(&Value) -> String),
        ("socket_events", event_key),
    ] {
        let want: Vec<String> = expected_section(&expected, section)
            .iter()
            .map(|l| expected_key(l))
            .collect();
        let got: Vec<String> = json[section]
            .as_array()
            .map(|a| a.iter().map(key).collect())
            .unwrap_or_default();
        if want.len() != got.len() {
            problems.push(format!(
                "{section}: {} in expected.txt, {} in --json",
                want.len(),
                got.len()
            ));
        }
        if want != got {
            problems.push(format!("{section} differ:\n{}", diff(&want, &got)));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", problems.join("\n  ")))
    }
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = inventory_schema();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("docs/inventory.schema.json: {e} at {}", e.instance_path);
    }
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the schema declares draft 2020-12"
    );
}

#[test]
fn the_schema_requires_every_documented_field() {
    let schema = inventory_schema();
    let defs = &schema["$defs"];
    for def in [
        "route",
        "socket_event",
        "handler",
        "place",
        "stack",
        "stack_middleware",
        "config_var",
        "jobs",
        "cache",
    ] {
        let properties: Vec<&String> = defs[def]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("$defs/{def} has properties"))
            .keys()
            .collect();
        let required: Vec<&str> = defs[def]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("$defs/{def} has required"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for p in &properties {
            assert!(
                required.contains(&p.as_str()),
                "$defs/{def}: {p} is documented but not required"
            );
        }
        assert_ne!(
            defs[def]["additionalProperties"],
            Value::Bool(false),
            "$defs/{def} must allow fields to be added"
        );
    }
}

#[test]
fn the_schema_rejects_what_breaks_the_contract() {
    let validator = validator();
    let route = serde_json::json!({
        "method": "GET", "path": "/a", "file": "src/app.ts", "line": 3,
        "handler": { "name": "<inline>", "file": "src/app.ts", "line": 3 },
        "middleware": [], "auth": null, "rate_limit": null, "framework": "express",
        "dynamic": false, "services": ["OrderService.list"],
        "tables": [{ "table": "orders", "access": "read" }],
        "notifications": [{
            "channel": "email", "provider": "sendgrid", "template": "d-receipt",
            "template_file": null
        }],
        "integrations": [{ "name": "stripe", "operations": ["paymentIntents.create"] }],
        "pii": [{ "table": "orders", "column": "shipping_address", "kind": "address", "level": "medium" }], "health": null
    });
    let event = serde_json::json!({
        "name": "bid:new", "kind": "emit", "namespace": "/", "file": "src/io.ts", "line": 9,
        "handler": null, "payload": ["bidId"], "dynamic": false, "candidates": [],
        "side": "server", "expression": null, "services": [], "tables": [],
        "notifications": [], "integrations": [], "pii": []
    });
    let good = serde_json::json!({ "routes": [route.clone()], "socket_events": [event.clone()] });
    assert_eq!(violations(&validator, &good), Vec::<String>::new());

    let mut added = good.clone();
    added["routes"][0]["operation_id"] = "x".into();
    added["generated_by"] = "a later version".into();
    assert!(validator.is_valid(&added), "added fields are allowed");

    let broken: Vec<(&str, Value)> = vec![
        ("no routes", serde_json::json!({ "socket_events": [] })),
        ("a notification on no known channel", {
            let mut v = good.clone();
            v["routes"][0]["notifications"][0]["channel"] = "fax".into();
            v
        }),
        ("a personal-data level outside high, medium, low", {
            let mut v = good.clone();
            v["routes"][0]["pii"][0]["level"] = "severe".into();
            v
        }),
        ("lower-case method", {
            let mut v = good.clone();
            v["routes"][0]["method"] = "get".into();
            v
        }),
        ("missing auth", {
            let mut v = good.clone();
            v["routes"][0]
                .as_object_mut()
                .expect("route object")
                .remove("auth");
            v
        }),
        ("line 0", {
            let mut v = good.clone();
            v["routes"][0]["line"] = 0.into();
            v
        }),
        ("unknown kind", {
            let mut v = good.clone();
            v["socket_events"][0]["kind"] = "once".into();
            v
        }),
        ("unknown health kind", {
            let mut v = good.clone();
            v["routes"][0]["health"] = "uptime".into();
            v
        }),
        ("unknown side", {
            let mut v = good.clone();
            v["socket_events"][0]["side"] = "browser".into();
            v
        }),
        ("backslash path", {
            let mut v = good.clone();
            v["socket_events"][0]["file"] = "src\\io.ts".into();
            v
        }),
    ];
    for (what, instance) in broken {
        assert!(!validator.is_valid(&instance), "{what} must be rejected");
    }
}

#[test]
fn every_pattern_fixture_validates_and_lists_its_expected_entries() {
    let validator = validator();
    let dirs = pattern_fixtures();
    assert!(
        dirs.len() >= 20,
        "expected the pattern fixtures, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| check_fixture(&validator, d).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_showcase_validates_and_lists_its_expected_entries() {
    let dir = fixtures_dir().join("showcase");
    assert!(
        dir.join("expected.txt").is_file(),
        "fixtures/showcase/expected.txt is missing"
    );
    if let Err(e) = check_fixture(&validator(), &dir) {
        panic!("{e}");
    }
}

/// The showcase's JSON carries every architecture section, and the monorepo's validates too.
#[test]
fn the_showcase_json_carries_the_architecture() {
    let validator = validator();
    let out = run(&[
        "inventory",
        &fixtures_dir().join("showcase").to_string_lossy(),
        "--json",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json = out.json();
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let names = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x[key].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(json["stack"]["packages"][0]["node"], ">=20.11");
    assert_eq!(json["stack"]["lockfiles"][0]["format"], "npm");
    let express = json["stack"]["dependencies"]
        .as_array()
        .and_then(|deps| deps.iter().find(|d| d["name"] == "express"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(express["layer"], "framework");
    assert_eq!(express["version"], "4.21.1");
    assert_eq!(
        names(&json["middleware_stack"], "kind"),
        [
            "security-headers",
            "cors",
            "compression",
            "body-parsing",
            "rate-limiting",
            "error-handling",
            "error-handling"
        ]
    );
    assert_eq!(json["middleware_stack"][3]["options"]["limit"], "1mb");
    assert_eq!(count(&json["config"]), 27);
    let jwt = json["config"]
        .as_array()
        .and_then(|c| c.iter().find(|v| v["name"] == "JWT_SECRET"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&jwt["secret"], &jwt["validated"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    assert_eq!(
        names(&json["jobs"]["queues"], "name"),
        ["emails", "push-notifications"]
    );
    assert_eq!(
        names(&json["jobs"]["schedules"], "schedule"),
        ["30 3 * * *", "every 5min"]
    );
    assert_eq!(
        json["jobs"]["queues"][0]["producers"][2]["routes"],
        serde_json::json!(["POST /api/v1/auth/password/forgot"])
    );
    assert_eq!(json["caches"][0]["keys"][0]["pattern"], "part:*");
    assert_eq!(json["caches"][0]["keys"][0]["ttl_ms"], 300_000);
    let health: Vec<(String, String)> = json["routes"]
        .as_array()
        .map(|routes| {
            routes
                .iter()
                .filter(|r| !r["health"].is_null())
                .map(|r| {
                    (
                        r["path"].as_str().unwrap_or("").to_string(),
                        r["health"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        health,
        [
            ("/health".to_string(), "health".to_string()),
            ("/metrics".to_string(), "metrics".to_string()),
            ("/ready".to_string(), "readiness".to_string())
        ]
    );
    let monorepo = run(&[
        "inventory",
        &fixtures_dir().join("monorepo").to_string_lossy(),
        "--json",
    ]);
    assert_eq!(monorepo.code, Some(0), "{}", monorepo.stderr);
    assert_eq!(
        violations(&validator, &monorepo.json()),
        Vec::<String>::new()
    );
}

#[test]
fn json_output_is_the_same_from_any_working_directory_and_run() {
    let dir = fixtures_dir().join("patterns/mount-across-files");
    let from_root = run(&["inventory", &dir.to_string_lossy(), "--json"]);
    let from_inside = run_in(&dir, &["inventory", "--json"]);
    let from_inside_dot = run_in(&dir, &["inventory", ".", "--json"]);
    assert_eq!(from_root.code, Some(0), "{}", from_root.stderr);
    assert_eq!(from_root.stdout, from_inside.stdout);
    assert_eq!(from_root.stdout, from_inside_dot.stdout);
    assert!(
        from_root.stdout.ends_with('\n'),
        "output ends with a newline"
    );
}
