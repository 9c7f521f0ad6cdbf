//! Protocol tests over an in-process duplex stream: malformed requests, and a burst of random
//! edits that must end in the inventory of a fresh index of the final text.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tower_lsp_server::ls_types::Uri;

use crate::workspace::{Config, Workspace};

/// The editor's side of an in-process session.
struct Session {
    writer: tokio::io::WriteHalf<DuplexStream>,
    incoming: mpsc::UnboundedReceiver<Value>,
    next_id: i64,
}

impl Session {
    fn start() -> Session {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server);
        let (service, socket) = super::service();
        tokio::spawn(super::serve(server_read, server_write, service, socket));
        let (client_read, writer) = tokio::io::split(client);
        let (tx, incoming) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(client_read);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                if let Ok(message) = serde_json::from_slice(&body) {
                    if tx.send(message).is_err() {
                        return;
                    }
                }
            }
        });
        Session {
            writer,
            incoming,
            next_id: 1,
        }
    }

    async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer
            .write_all(framed.as_bytes())
            .await
            .expect("server reads");
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request and returns its response (`result` or `error`), answering the server's
    /// own requests on the way.
    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            // Generous: a loaded CI machine runs 1,000 debug-build reparses slowly.
            let message = tokio::time::timeout(Duration::from_secs(180), self.incoming.recv())
                .await
                .expect("a reply in time")
                .expect("the server is alive");
            if message.get("method").is_some() {
                if let Some(server_id) = message.get("id") {
                    let reply = json!({"jsonrpc": "2.0", "id": server_id, "result": null});
                    self.send(reply).await;
                }
                continue;
            }
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Waits for the diagnostics of `uri` at `version`, answering the server's requests.
    async fn diagnostics(&mut self, uri: &str, version: i64) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(60), self.incoming.recv())
                .await
                .expect("diagnostics in time")
                .expect("the server is alive");
            if let Some(server_id) = message
                .get("id")
                .filter(|_| message.get("method").is_some())
            {
                let reply = json!({"jsonrpc": "2.0", "id": server_id, "result": null});
                self.send(reply).await;
                continue;
            }
            let params = &message["params"];
            if message["method"] == "textDocument/publishDiagnostics"
                && params["uri"] == uri
                && params["version"] == version
            {
                return params["diagnostics"].clone();
            }
        }
    }

    async fn initialize(&mut self, root: &Path) -> Value {
        let uri = Uri::from_file_path(root).expect("absolute root");
        let reply = self
            .request(
                "initialize",
                json!({
                    "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
                    "workspaceFolders": [{"uri": uri.as_str(), "name": "root"}],
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        reply
    }
}

fn file_uri(root: &Path, rel: &str) -> String {
    Uri::from_file_path(root.join(rel))
        .expect("absolute path")
        .as_str()
        .to_string()
}

const ROUTES: &str = "import { Router } from 'express';\nconst router = Router();\nrouter.get('/a', (req, res) => res.send('a'));\nexport default router;\n";

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_errors_or_empty_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/routes.ts"), ROUTES).expect("write");
    let mut s = Session::start();
    let early = s
        .request("textDocument/hover", json!({"textDocument": {"uri": "file:///x.ts"}, "position": {"line": 0, "character": 0}}))
        .await;
    assert!(early.get("error").is_some(), "{early}");
    let init = s.initialize(dir.path()).await;
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");

    let unknown = s
        .request("textDocument/hover", json!({"textDocument": {"uri": "file:///elsewhere/x.ts"}, "position": {"line": 0, "character": 0}}))
        .await;
    assert_eq!(unknown["result"], Value::Null, "{unknown}");
    let uri = file_uri(dir.path(), "src/routes.ts");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": ROUTES}})).await;
    let past_end = s
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": {"line": 999, "character": 5}}),
        )
        .await;
    assert_eq!(past_end["result"], Value::Null, "{past_end}");
    let wrong = s
        .request("textDocument/hover", json!({"textDocument": 5}))
        .await;
    assert_eq!(wrong["error"]["code"], -32602, "{wrong}");
    let not_uri = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": "not a uri"}, "range": {}, "context": {}}),
        )
        .await;
    assert!(not_uri.get("error").is_some(), "{not_uri}");
    let bad_command = s
        .request(
            "workspace/executeCommand",
            json!({"command": "nope", "arguments": []}),
        )
        .await;
    assert!(bad_command.get("error").is_some(), "{bad_command}");
    // An edit for a document that is not open, and a stale version, change nothing.
    s.notify("textDocument/didChange", json!({"textDocument": {"uri": file_uri(dir.path(), "src/none.ts"), "version": 2}, "contentChanges": [{"text": "x"}]})).await;
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 1}, "contentChanges": [{"text": ""}]}),
    )
    .await;
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 9}}),
        )
        .await;
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(text.starts_with("**GET** `/a`"), "{hover}");

    assert_eq!(
        s.request("shutdown", Value::Null).await["result"],
        Value::Null
    );
    let after = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 9}}),
        )
        .await;
    assert!(after.get("error").is_some(), "{after}");
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The LSP position (UTF-16 columns; `\r\n`, `\n` and `\r` end lines) of a byte offset,
/// computed independently of the server's rope.
fn lsp_position(text: &str, byte: usize) -> Value {
    let (mut line, mut col) = (0u32, 0u32);
    let mut chars = text[..byte].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => {
                line += 1;
                col = 0;
            }
            _ => col += c.len_utf16() as u32,
        }
    }
    // A `\r` just before the offset whose `\n` lies after it is not a line end yet.
    json!({"line": line, "character": col})
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_random_edits_end_in_a_fresh_index_of_the_final_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    let app = "import express from 'express';\nimport routes from './routes';\nconst app = express();\napp.use('/api', routes);\n";
    std::fs::write(dir.path().join("src/app.ts"), app).expect("write");
    std::fs::write(dir.path().join("src/routes.ts"), ROUTES).expect("write");
    let mut s = Session::start();
    s.initialize(dir.path()).await;
    let root_uri = Uri::from_file_path(dir.path()).expect("absolute");
    // Indexing runs in the background; wait until it has seen the mount in app.ts.
    for _ in 0..200 {
        let inventory = s
            .request(super::INVENTORY_REQUEST, json!({"uri": root_uri.as_str()}))
            .await;
        if inventory["result"]["routes"][0]["path"] == "/api/a" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let uri = file_uri(dir.path(), "src/routes.ts");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": ROUTES}})).await;

    let snippets = [
        "router.post('/é/:id', (req, res) => res.send('😀'));\r\n",
        "router.get('/b', auth, handler);\n",
        "\r\n",
        "'",
        "/** Summary. */\n",
        "x",
        "é😀",
        "socket.emit('ping', { a: 1 });\n",
        "(",
    ];
    let mut text = ROUTES.to_string();
    let mut random = Random(0x5eed_1234_abcd_0001);
    for version in 2..1002 {
        let start = char_boundary(&text, random.below(text.len() + 1));
        // Deletions grow likelier as the text grows, so that it stays around two kilobytes.
        let end = if random.below(4000) < text.len() {
            char_boundary(&text, (start + random.below(40)).min(text.len()))
        } else {
            start
        };
        // Never split a `\r\n` pair: an edit between them would join lines in surprising ways
        // for the test's own position arithmetic, not the server's.
        let splits_crlf = |at: usize| {
            let bytes = text.as_bytes();
            at > 0 && at < bytes.len() && bytes[at - 1] == b'\r' && bytes[at] == b'\n'
        };
        if splits_crlf(start) || splits_crlf(end) {
            continue;
        }
        let insert = if end > start && random.below(2) == 0 {
            ""
        } else {
            snippets[random.below(snippets.len())]
        };
        let change = json!({
            "range": {"start": lsp_position(&text, start), "end": lsp_position(&text, end)},
            "text": insert,
        });
        text.replace_range(start..end, insert);
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        )
        .await;
    }
    let served = s
        .request(super::INVENTORY_REQUEST, json!({"uri": root_uri.as_str()}))
        .await;

    let mut fresh = Workspace::new(dir.path().to_path_buf(), Config::default());
    fresh.set_text("src/app.ts", app).expect("parses");
    fresh.set_text("src/routes.ts", &text).expect("parses");
    assert_eq!(
        served["result"],
        fresh.inventory().to_json(),
        "final text:\n{text}"
    );
    assert!(text.len() > ROUTES.len(), "the edits did something");
}

#[tokio::test(flavor = "multi_thread")]
async fn find_route_answers_locations_best_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    let app = "import express from 'express';\nconst app = express();\nconst show = (req, res) => res.send('x');\napp.get('/orders/:id', show);\napp.get('/orders/export', (req, res) => res.send('csv'));\n";
    std::fs::write(dir.path().join("src/app.ts"), app).expect("write");
    let mut s = Session::start();
    s.initialize(dir.path()).await;
    let params = json!({"url": "https://api.example.com/orders/export?x=1", "method": "get"});
    let mut found = Value::Null;
    for _ in 0..200 {
        found = s.request(super::FIND_ROUTE_REQUEST, params.clone()).await;
        if found["result"].as_array().is_some_and(|a| a.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let result = &found["result"];
    assert_eq!(result[0]["label"], "GET /orders/export", "{found}");
    assert_eq!(result[1]["label"], "GET /orders/:id", "{found}");
    assert_eq!(result[1]["params"], json!({"id": "export"}));
    let uri = file_uri(dir.path(), "src/app.ts");
    assert_eq!(result[1]["location"]["uri"], uri.as_str());
    assert_eq!(result[1]["location"]["range"]["start"]["line"], 3);
    assert_eq!(result[1]["handlerLocation"]["range"]["start"]["line"], 2);

    let bad = s
        .request(
            super::FIND_ROUTE_REQUEST,
            json!({"url": "/x", "method": "FETCH"}),
        )
        .await;
    assert!(bad.get("error").is_some(), "{bad}");
    let none = s
        .request(super::FIND_ROUTE_REQUEST, json!({"url": "/nothing"}))
        .await;
    assert_eq!(none["result"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_navigate_to_schema_files_and_hover_there() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::create_dir_all(dir.path().join("migrations")).expect("migrations");
    let sql = "-- orders\nCREATE TABLE orders (\n  id serial PRIMARY KEY\n);\n";
    std::fs::write(dir.path().join("migrations/001_orders.sql"), sql).expect("write");
    let app = "import { Pool } from 'pg';\nconst pool = new Pool();\nexport class OrderService {\n  list() {\n    return pool.query('SELECT * FROM orders');\n  }\n}\n";
    std::fs::write(dir.path().join("src/order.service.ts"), app).expect("write");
    let mut s = Session::start();
    s.initialize(dir.path()).await;
    let uri = file_uri(dir.path(), "src/order.service.ts");
    let at_query = json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 25}});
    let mut definition = Value::Null;
    for _ in 0..1000 {
        definition = s.request("textDocument/definition", at_query.clone()).await;
        if definition["result"].is_array() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let sql_uri = file_uri(dir.path(), "migrations/001_orders.sql");
    assert_eq!(
        definition["result"][0]["uri"],
        sql_uri.as_str(),
        "{definition}"
    );
    assert_eq!(definition["result"][0]["range"]["start"]["line"], 1);

    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": sql_uri}, "position": {"line": 1, "character": 15}}),
        )
        .await;
    let card = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(
        card.starts_with("**Table** `orders`\n\n- Defined: migrations/001_orders.sql:2 (sql)"),
        "{hover}"
    );
    assert!(card.contains("- Read by: `OrderService`"), "{hover}");

    let symbols = s
        .request("workspace/symbol", json!({"query": "order"}))
        .await;
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"orders") && names.contains(&"OrderService"),
        "{symbols}"
    );

    // A migration added on disk is read as a schema file, not dropped as unparsable source.
    let added = "CREATE TABLE order_items (id serial PRIMARY KEY);\n";
    std::fs::write(dir.path().join("migrations/002_items.sql"), added).expect("write");
    let added_uri = file_uri(dir.path(), "migrations/002_items.sql");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": added_uri, "type": 1}]}),
    )
    .await;
    let symbols = s
        .request("workspace/symbol", json!({"query": "order_items"}))
        .await;
    assert_eq!(symbols["result"][0]["name"], "order_items", "{symbols}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_changed_file_that_links_out_of_the_workspace_is_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/routes.ts"), ROUTES).expect("write");
    let secret = "import { Router } from 'express';\nconst router = Router();\nrouter.get('/secret', (req, res) => res.send('s'));\nexport default router;\n";
    std::fs::write(outside.path().join("secret.ts"), secret).expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("secret.ts"),
        dir.path().join("src/secret.ts"),
    )
    .expect("link");
    let mut s = Session::start();
    s.initialize(dir.path()).await;
    let root_uri = Uri::from_file_path(dir.path()).expect("absolute");
    let paths = |inventory: &Value| -> Vec<String> {
        inventory["result"]["routes"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|r| r["path"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    for _ in 0..200 {
        let inventory = s
            .request(super::INVENTORY_REQUEST, json!({"uri": root_uri.as_str()}))
            .await;
        if !paths(&inventory).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The editor's watcher reports the link (and a path that climbs out of the root) as changed.
    let climbing = format!("{}/src/../../x.ts", root_uri.as_str());
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(dir.path(), "src/secret.ts"), "type": 2},
                           {"uri": climbing, "type": 1}]}),
    )
    .await;
    let inventory = s
        .request(super::INVENTORY_REQUEST, json!({"uri": root_uri.as_str()}))
        .await;
    assert_eq!(paths(&inventory), vec!["/a"], "{inventory}");
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_in_comments_moves_diagnostics_and_rereads_docs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "import express from 'express';\nconst app = express();\n/** Lists orders. */\napp.get('/orders', (req, res) => res.json([]));\n/* v1 */ app.get('/orders/:id', (req, res) => res.json({}));\n";
    std::fs::write(dir.path().join("app.ts"), text).expect("write");
    let mut s = Session::start();
    s.initialize(dir.path()).await;
    let uri = file_uri(dir.path(), "app.ts");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}})).await;
    let starts = |diagnostics: &Value| -> Vec<(u64, u64, String)> {
        diagnostics
            .as_array()
            .expect("a list")
            .iter()
            .map(|d| {
                let start = &d["range"]["start"];
                let label = d["message"].as_str().unwrap_or("").split(" is").next();
                (
                    start["line"].as_u64().unwrap_or(0),
                    start["character"].as_u64().unwrap_or(0),
                    label.unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    // Indexing may publish before the document is open; wait for the open version.
    let opened = s.diagnostics(&uri, 1).await;
    assert_eq!(starts(&opened), [(4, 13, "GET /orders/:id".to_string())]);

    // Typing in the comment before the registration moves its diagnostic right.
    let edit = |version: i64, line: u32, from: u32, to: u32, text: &str| {
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": from}, "end": {"line": line, "character": to}}, "text": text}],
        })
    };
    s.notify("textDocument/didChange", edit(2, 4, 5, 5, "x"))
        .await;
    let moved = s.diagnostics(&uri, 2).await;
    assert_eq!(starts(&moved), [(4, 14, "GET /orders/:id".to_string())]);

    // Emptying the doc comment of the first route makes it undocumented.
    s.notify("textDocument/didChange", edit(3, 2, 4, 17, ""))
        .await;
    let emptied = s.diagnostics(&uri, 3).await;
    assert_eq!(
        starts(&emptied),
        [
            (3, 4, "GET /orders".to_string()),
            (4, 14, "GET /orders/:id".to_string())
        ]
    );
}
