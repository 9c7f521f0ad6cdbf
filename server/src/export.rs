//! Exports of the inventory to standard API descriptions: OpenAPI 3.1 for the HTTP routes and
//! AsyncAPI 3.0 for the Socket.IO events. Only what the source shows is written: no request or
//! response bodies are guessed; what is known beyond the standard fields sits in `x-backend-brain`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::features::{has_summary, Analysis};
use crate::inventory::{Route, SocketEvent};

/// The API's name and version, from package.json when there is one.
#[derive(Clone, Debug)]
pub struct Info {
    pub title: String,
    pub version: String,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// `/orders/:id` → (`/orders/{id}`, `["id"]`); `:id?` and `:id(\d+)` give `{id}` too.
pub fn openapi_path(path: &str) -> (String, Vec<String>) {
    let mut params = Vec::new();
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(rest) => {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                params.push(name.clone());
                format!("{{{name}}}")
            }
            None => segment.to_string(),
        })
        .collect();
    (segments.join("/"), params)
}

/// A component or operation key: letters, digits, `.`, `-`, `_`.
fn key(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "root".into()
    } else {
        out
    }
}

/// The route's summary: its doc comment's first line, or its Description in the route table.
fn summary(analysis: &Analysis<'_>, route: &Route) -> Option<String> {
    if has_summary(route.doc.as_deref()) {
        let first = route
            .doc
            .as_deref()
            .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))?;
        return Some(first.to_string());
    }
    analysis
        .table
        .rows()
        .iter()
        .filter(|r| r.method == route.method && r.path == route.path && r.documents())
        .find_map(|r| r.description.clone())
}

/// OpenAPI 3.1: a path item per route path, an operation per method.
pub fn openapi(analysis: &Analysis<'_>, info: &Info) -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut schemes: BTreeMap<String, String> = BTreeMap::new();
    let mut tags: BTreeSet<String> = BTreeSet::new();
    let mut dynamic = Vec::new();
    for route in &analysis.inventory.routes {
        if route.dynamic {
            dynamic.push(json!({
                "method": route.method, "path": route.path, "file": route.file, "line": route.line,
            }));
            continue;
        }
        let (path, params) = openapi_path(&route.path);
        let methods: Vec<&str> = if route.method == "ALL" {
            METHODS.to_vec()
        } else {
            vec![route.method.as_str()]
        };
        for method in methods {
            let method = method.to_ascii_lowercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let item = paths.entry(path.clone()).or_default();
            if item.contains_key(&method) {
                // Registered twice: only the first registration answers.
                continue;
            }
            tags.insert(route.file.clone());
            let mut op = Map::new();
            op.insert(
                "operationId".into(),
                json!(key(&format!("{method}_{path}"))),
            );
            if let Some(s) = summary(analysis, route) {
                op.insert("summary".into(), json!(s));
            }
            op.insert("tags".into(), json!([route.file]));
            if !params.is_empty() {
                let params: Vec<Value> = params
                    .iter()
                    .map(|p| {
                        json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}})
                    })
                    .collect();
                op.insert("parameters".into(), json!(params));
            }
            if let Some(auth) = &route.auth {
                let scheme = key(auth);
                schemes.insert(scheme.clone(), auth.clone());
                op.insert("security".into(), json!([{ scheme: [] }]));
            }
            op.insert(
                "responses".into(),
                json!({"default": {"description": "Responses are not described by the source."}}),
            );
            op.insert(
                "x-backend-brain".into(),
                json!({
                    "registered_at": format!("{}:{}", route.file, route.line),
                    "handler": route.handler.as_ref().map(|h| match (&h.file, h.line) {
                        (Some(f), Some(l)) => format!("{}@{f}:{l}", h.name),
                        _ => h.name.clone(),
                    }),
                    "middleware": route.middleware,
                    "rate_limit": route.rate_limit,
                }),
            );
            item.insert(method, Value::Object(op));
        }
    }
    let security_schemes: Map<String, Value> = schemes
        .into_iter()
        .map(|(k, auth)| {
            (
                k,
                json!({
                    "type": "http",
                    "scheme": "bearer",
                    "description": format!("Routes guarded by the `{auth}` middleware. How it authenticates is not visible statically; bearer is assumed."),
                }),
            )
        })
        .collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": info.title, "version": info.version },
        "tags": tags.iter().map(|t| json!({"name": t, "description": format!("Routes registered in {t}")})).collect::<Vec<_>>(),
        "paths": paths,
    });
    if !security_schemes.is_empty() {
        doc["components"] = json!({ "securitySchemes": security_schemes });
    }
    if !dynamic.is_empty() {
        doc["x-backend-brain-dynamic-routes"] = json!(dynamic);
    }
    doc
}

/// AsyncAPI 3.0 of the Socket.IO server: a channel per namespace, a message per event, and an
/// operation per event and direction (`send` for what the server emits, `receive` for what it
/// handles; client code counts from the other side).
pub fn asyncapi(analysis: &Analysis<'_>, info: &Info) -> Value {
    // (namespace, event) → (sent, received, payload keys, places)
    #[derive(Default)]
    struct Ev {
        send: bool,
        receive: bool,
        keys: Vec<String>,
        computed: bool,
        places: BTreeSet<String>,
    }
    let mut events: BTreeMap<(String, String), Ev> = BTreeMap::new();
    let mut add = |e: &SocketEvent, name: &str, computed: bool| {
        let ev = events
            .entry((e.namespace.clone(), name.to_string()))
            .or_default();
        let server_sends = (e.kind == "emit") == (e.side == "server");
        if server_sends {
            ev.send = true;
        } else {
            ev.receive = true;
        }
        for k in e.payload.iter().flatten() {
            if !ev.keys.contains(k) {
                ev.keys.push(k.clone());
            }
        }
        ev.computed |= computed;
        ev.places.insert(format!("{}:{}", e.file, e.line));
    };
    for e in &analysis.inventory.socket_events {
        match &e.name {
            Some(n) => add(e, n, false),
            None => {
                for c in &e.candidates {
                    add(e, c, true);
                }
            }
        }
    }
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    let mut used_messages = BTreeSet::new();
    for ((namespace, name), ev) in &events {
        let channel_id = key(namespace);
        let mut message_id = key(name);
        if !used_messages.insert(message_id.clone()) {
            message_id = key(&format!("{channel_id}_{name}"));
            used_messages.insert(message_id.clone());
        }
        let channel = channels.entry(channel_id.clone()).or_insert_with(|| {
            json!({
                "address": namespace,
                "description": format!("The Socket.IO namespace `{namespace}`."),
                "messages": {},
            })
        });
        channel["messages"][&message_id] =
            json!({"$ref": format!("#/components/messages/{message_id}")});
        let mut message = json!({
            "name": name,
            "title": name,
            "x-backend-brain": { "places": ev.places, "computed_name": ev.computed },
        });
        if !ev.keys.is_empty() {
            let props: Map<String, Value> =
                ev.keys.iter().map(|k| (k.clone(), json!({}))).collect();
            message["payload"] = json!({"type": "object", "properties": props});
        }
        messages.insert(message_id.clone(), message);
        for (action, on) in [("send", ev.send), ("receive", ev.receive)] {
            if !on {
                continue;
            }
            operations.insert(
                key(&format!("{action}_{channel_id}_{message_id}")),
                json!({
                    "action": action,
                    "channel": {"$ref": format!("#/channels/{channel_id}")},
                    "messages": [{"$ref": format!("#/channels/{channel_id}/messages/{message_id}")}],
                }),
            );
        }
    }
    json!({
        "asyncapi": "3.0.0",
        "info": { "title": info.title, "version": info.version },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": { "messages": messages },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn express_paths_become_openapi_templates() {
        assert_eq!(
            openapi_path("/orders/:id/items/:itemId?"),
            (
                "/orders/{id}/items/{itemId}".to_string(),
                vec!["id".to_string(), "itemId".to_string()]
            )
        );
        assert_eq!(openapi_path("/health"), ("/health".to_string(), vec![]));
    }

    #[test]
    fn keys_are_safe() {
        assert_eq!(key("get_/api/v1/orders/{id}"), "get_api_v1_orders_id");
        assert_eq!(key("/"), "root");
        assert_eq!(key("order:new"), "order_new");
    }
}
