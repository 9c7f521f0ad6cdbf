//! `backend-brain export openapi|asyncapi`: exact output on a small backend, and the documents'
//! structure on every fixture. scripts/validate-exports.sh runs real validators on them too.

use std::collections::BTreeSet;
use std::path::Path;

use backend_brain_e2e::{fixtures_dir, run, run_in};
use serde_json::{json, Value};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(path, text).expect("write file");
}

const APP: &str = "import express from 'express';
import { Server } from 'socket.io';
import { authenticate } from './auth';

const app = express();
/** Reads one order. */
app.get('/orders/:id', authenticate, getOrder);
app.post('/orders', createOrder);
function getOrder(req: any, res: any) {}
function createOrder(req: any, res: any) {}

const io = new Server();
io.of('/admin').on('connection', (socket) => {
  socket.on('order:watch', onWatch);
  socket.emit('order:updated', { id: 1, status: 'paid' });
});
function onWatch() {}
";

fn backend() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "src/app.ts", APP);
    write(
        tmp.path(),
        "package.json",
        r#"{"name": "shop-api", "version": "2.1.0"}"#,
    );
    write(
        tmp.path(),
        "BACKEND_BRAIN.md",
        "| Method | Path | Description |\n|---|---|---|\n| POST | `/orders` | Places an order. |\n",
    );
    tmp
}

#[test]
fn openapi_of_a_small_backend() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["export", "openapi"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let unknown = json!({"default": {"description": "Responses are not described by the source."}});
    assert_eq!(
        out.json(),
        json!({
            "openapi": "3.1.0",
            "info": {"title": "shop-api", "version": "2.1.0"},
            "tags": [{"name": "src/app.ts", "description": "Routes registered in src/app.ts"}],
            "paths": {
                "/orders": {"post": {
                    "operationId": "post_orders",
                    "summary": "Places an order.",
                    "tags": ["src/app.ts"],
                    "responses": unknown,
                    "x-backend-brain": {
                        "registered_at": "src/app.ts:8",
                        "handler": "createOrder@src/app.ts:10",
                        "middleware": [],
                        "rate_limit": null,
                    },
                }},
                "/orders/{id}": {"get": {
                    "operationId": "get_orders_id",
                    "summary": "Reads one order.",
                    "tags": ["src/app.ts"],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "security": [{"authenticate": []}],
                    "responses": unknown,
                    "x-backend-brain": {
                        "registered_at": "src/app.ts:7",
                        "handler": "getOrder@src/app.ts:9",
                        "middleware": ["authenticate"],
                        "rate_limit": null,
                    },
                }},
            },
            "components": {"securitySchemes": {"authenticate": {
                "type": "http",
                "scheme": "bearer",
                "description": "Routes guarded by the `authenticate` middleware. How it authenticates is not visible statically; bearer is assumed.",
            }}},
        })
    );
}

#[test]
fn asyncapi_of_a_small_backend() {
    let tmp = backend();
    let out = run_in(tmp.path(), &["export", "asyncapi"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.json(),
        json!({
            "asyncapi": "3.0.0",
            "info": {"title": "shop-api", "version": "2.1.0"},
            "defaultContentType": "application/json",
            "channels": {"admin": {
                "address": "/admin",
                "description": "The Socket.IO namespace `/admin`.",
                "messages": {
                    "order_updated": {"$ref": "#/components/messages/order_updated"},
                    "order_watch": {"$ref": "#/components/messages/order_watch"},
                },
            }},
            "operations": {
                "send_admin_order_updated": {
                    "action": "send",
                    "channel": {"$ref": "#/channels/admin"},
                    "messages": [{"$ref": "#/channels/admin/messages/order_updated"}],
                },
                "receive_admin_order_watch": {
                    "action": "receive",
                    "channel": {"$ref": "#/channels/admin"},
                    "messages": [{"$ref": "#/channels/admin/messages/order_watch"}],
                },
            },
            "components": {"messages": {
                "order_updated": {
                    "name": "order:updated",
                    "title": "order:updated",
                    "payload": {"type": "object", "properties": {"id": {}, "status": {}}},
                    "x-backend-brain": {"places": ["src/app.ts:15"], "computed_name": false},
                },
                "order_watch": {
                    "name": "order:watch",
                    "title": "order:watch",
                    "x-backend-brain": {"places": ["src/app.ts:14"], "computed_name": false},
                },
            }},
        })
    );
}

/// The local `$ref`s of a document, all of which must resolve.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.extend(v.as_str().map(str::to_string));
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

#[test]
fn every_fixture_exports_well_formed_documents() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir().join("patterns"))
        .expect("fixtures/patterns")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(fixtures_dir().join("showcase"));
    dirs.sort();
    let key = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    for dir in dirs {
        let d = dir.to_string_lossy().to_string();
        let inventory = run(&["inventory", &d, "--json"]).json();

        let openapi = run(&["export", "openapi", &d]).json();
        assert_eq!(openapi["openapi"], "3.1.0", "{d}");
        let mut ids = BTreeSet::new();
        let mut operations = 0;
        for (path, item) in openapi["paths"].as_object().expect("paths") {
            assert!(path.starts_with('/') && !path.contains(':'), "{d}: {path}");
            let params: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            for (method, op) in item.as_object().expect("path item") {
                operations += 1;
                assert!(ids.insert(op["operationId"].to_string()), "{d}: {path}");
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                    .unwrap_or_default();
                assert_eq!(declared, params, "{d}: {method} {path}");
                for req in op["security"].as_array().into_iter().flatten() {
                    for name in req.as_object().expect("requirement").keys() {
                        assert!(key(name), "{d}: {name}");
                        assert!(
                            openapi["components"]["securitySchemes"][name].is_object(),
                            "{d}: {name}"
                        );
                    }
                }
            }
        }
        let routes = inventory["routes"].as_array().expect("routes");
        if routes.iter().any(|r| r["dynamic"] == false) {
            assert!(operations > 0, "{d}");
        }

        let asyncapi = run(&["export", "asyncapi", &d]).json();
        assert_eq!(asyncapi["asyncapi"], "3.0.0", "{d}");
        let mut all = Vec::new();
        refs(&asyncapi, &mut all);
        for r in &all {
            assert!(resolve(&asyncapi, r).is_some(), "{d}: {r} does not resolve");
        }
        for section in ["channels", "operations"] {
            for k in asyncapi[section].as_object().expect(section).keys() {
                assert!(key(k), "{d}: {k}");
            }
        }
        for (_, op) in asyncapi["operations"].as_object().expect("operations") {
            assert!(matches!(op["action"].as_str(), Some("send" | "receive")));
        }
        let named = inventory["socket_events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["name"].is_string());
        assert_eq!(
            named,
            !asyncapi["operations"]
                .as_object()
                .expect("operations")
                .is_empty(),
            "{d}"
        );
    }
}
