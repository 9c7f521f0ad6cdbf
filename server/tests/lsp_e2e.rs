//! Real sessions with the built binary over stdio: one that goes initialize → didOpen → hover →
//! definition → codeAction → apply → diagnostics cleared → shutdown → exit 0, and a battery of
//! malformed and hostile messages, each answered as the protocol says, the server alive after.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

struct Session {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Session {
    fn start() -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_backend-brain"))
            .args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
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
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("the server speaks JSON");
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Session {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Writes bytes as they are, framing and all.
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        let message = self
            .incoming
            .recv_timeout(Duration::from_secs(120))
            .expect("a message from the server in time");
        // Answer the server's own requests (progress tokens, registrations).
        if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
            self.send(reply);
        }
        message
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let message = self.call(method, params);
        assert!(message.get("error").is_none(), "{method}: {message}");
        message["result"].clone()
    }

    /// Sends a request and returns the whole response, error or result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(json!(id))
    }

    /// Waits for the response with this id (`null` for the answer to an unreadable message).
    fn response(&mut self, id: Value) -> Value {
        loop {
            let message = self.next();
            if message.get("method").is_none() && message["id"] == id {
                return message;
            }
        }
    }

    /// Waits for diagnostics of `uri` that satisfy `accept`.
    fn diagnostics_until(&mut self, uri: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                let list = message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if accept(&list) {
                    return list;
                }
            }
        }
    }
}

const APP: &str = "import express from 'express';\n\nconst app = express();\n\nfunction getOrder(req: express.Request, res: express.Response) {\n  res.json({ id: req.params.id });\n}\n\napp.get('/orders/:id', getOrder);\n\napp.listen(3000);\n";

fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn a_real_stdio_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("src/app.ts"), APP).expect("write");
    let app_uri = uri(&root.join("src/app.ts"));

    let mut s = Session::start();
    let init = s.request(
        "initialize",
        json!({
            "capabilities": {
                "general": {"positionEncodings": ["utf-8", "utf-16"]},
                "window": {"workDoneProgress": true},
                "workspace": {
                    "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]},
                    "didChangeWatchedFiles": {"dynamicRegistration": true},
                },
            },
            "workspaceFolders": [{"uri": uri(&root), "name": "app"}],
        }),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    s.notify("initialized", json!({}));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": app_uri, "languageId": "typescript", "version": 1, "text": APP}}),
    );
    let flagged = s.diagnostics_until(&app_uri, |d| !d.is_empty());
    assert_eq!(flagged[0]["code"], "undocumented-route");
    assert_eq!(
        flagged[0]["range"]["start"],
        json!({"line": 8, "character": 4})
    );

    let on_path =
        json!({"textDocument": {"uri": app_uri}, "position": {"line": 8, "character": 12}});
    let hover = s.request("textDocument/hover", on_path.clone());
    let card = hover["contents"]["value"].as_str().expect("markdown");
    assert!(card.starts_with("**GET** `/orders/:id`"), "{card}");
    assert!(card.contains("`getOrder` at src/app.ts:5"), "{card}");

    let definition = s.request("textDocument/definition", on_path);
    assert_eq!(definition[0]["uri"], app_uri);
    assert_eq!(
        definition[0]["range"]["start"],
        json!({"line": 4, "character": 9})
    );

    let actions = s.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": app_uri},
            "range": {"start": {"line": 8, "character": 4}, "end": {"line": 8, "character": 7}},
            "context": {"diagnostics": flagged},
        }),
    );
    let row = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["title"] == "Add GET /orders/:id to BACKEND_BRAIN.md")
        .expect("the table action")
        .clone();
    // Apply it as an editor would: create the file, insert the text, tell the server.
    let operations = row["edit"]["documentChanges"]
        .as_array()
        .expect("operations");
    assert_eq!(operations[0]["kind"], "create");
    let table_uri = operations[0]["uri"].as_str().expect("uri").to_string();
    let inserted = operations[1]["edits"][0]["newText"].as_str().expect("text");
    let table_path = root.join("BACKEND_BRAIN.md");
    assert_eq!(table_uri, uri(&table_path));
    // The row's summary is a TODO until someone writes one.
    let written = inserted.replace("| TODO |", "| Reads one order. |");
    assert_ne!(written, inserted);
    std::fs::write(&table_path, &written).expect("write table");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": table_uri, "type": 1}]}),
    );
    s.diagnostics_until(&app_uri, |d| d.is_empty());

    // A row whose route is gone is a stale-doc diagnostic on the route table document.
    std::fs::write(
        &table_path,
        format!("{written}| DELETE | `/gone` | Removed long ago. |\n"),
    )
    .expect("write table");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": table_uri, "type": 2}]}),
    );
    let stale = s.diagnostics_until(&table_uri, |d| !d.is_empty());
    assert_eq!(stale[0]["code"], "stale-doc");
    assert_eq!(
        stale[0]["range"]["start"]["line"],
        json!(written.lines().count())
    );

    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let status = s.child.wait().expect("the server exits");
    assert!(status.success(), "{status}");
}

fn error_code(message: &Value) -> Value {
    message["error"]["code"].clone()
}

fn framed(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn a_hostile_client_is_answered_per_the_spec_and_the_server_lives_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("src/app.ts"), APP).expect("write");
    let app_uri = uri(&root.join("src/app.ts"));
    let on_path =
        json!({"textDocument": {"uri": app_uri}, "position": {"line": 8, "character": 12}});
    let mut s = Session::start();

    // Before `initialize`: ServerNotInitialized.
    let early = s.call("textDocument/hover", on_path.clone());
    assert_eq!(error_code(&early), -32002, "{early}");
    s.request(
        "initialize",
        json!({"capabilities": {}, "workspaceFolders": [{"uri": uri(&root), "name": "app"}]}),
    );
    s.notify("initialized", json!({}));

    // A body that is not JSON: a parse error with a null id.
    s.send_raw(framed("{not json").as_bytes());
    assert_eq!(error_code(&s.response(Value::Null)), -32700);
    // JSON that is not a JSON-RPC message: an invalid request with its id.
    s.send_raw(framed(r#"{"jsonrpc": "1.0", "id": 900, "method": "shutdown"}"#).as_bytes());
    assert_eq!(error_code(&s.response(json!(900))), -32600);
    // A Content-Length too long swallows the start of the next message: both are lost, one
    // parse error is answered, and the message after them is served.
    let swallowed =
        framed(r#"{"jsonrpc":"2.0","id":901,"method":"workspace/symbol","params":{"query":""}}"#);
    let body = r#"{"jsonrpc":"2.0","id":902,"method":"workspace/symbol","params":{"query":""}}"#;
    s.send_raw(
        format!(
            "Content-Length: {}\r\n\r\n{body}{swallowed}",
            body.len() + 30
        )
        .as_bytes(),
    );
    assert_eq!(error_code(&s.response(Value::Null)), -32700);
    // A Content-Length too short cuts a `shutdown` off: a parse error, and no shutdown.
    s.send_raw(
        b"Content-Length: 10\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":903,\"method\":\"shutdown\"}",
    );
    assert_eq!(error_code(&s.response(Value::Null)), -32700);
    let symbols = s.call("workspace/symbol", json!({"query": ""}));
    assert!(symbols.get("result").is_some(), "{symbols}");

    // Unknown methods: a request gets MethodNotFound, a notification nothing.
    s.notify("backendBrain/noSuchNotification", json!({}));
    s.notify("$/noSuchNotification", json!({}));
    assert_eq!(
        error_code(&s.call("backendBrain/noSuchMethod", json!({}))),
        -32601
    );
    assert_eq!(error_code(&s.call("$/noSuchMethod", json!({}))), -32601);

    // Wrong parameter shapes: InvalidParams.
    let wrong = s.call("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(error_code(&wrong), -32602, "{wrong}");
    let missing = s.call(
        "textDocument/definition",
        json!({"textDocument": {"uri": app_uri}}),
    );
    assert_eq!(error_code(&missing), -32602, "{missing}");
    let not_an_object = s.call("workspace/symbol", json!([1, 2, 3]));
    assert_eq!(error_code(&not_an_object), -32602, "{not_an_object}");

    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": app_uri, "languageId": "typescript", "version": 1, "text": APP}}),
    );
    // Positions past the end of the text: no answer, no error.
    for position in [
        json!({"line": 999, "character": 0}),
        json!({"line": 0, "character": 99999}),
    ] {
        let past = s.call(
            "textDocument/hover",
            json!({"textDocument": {"uri": app_uri}, "position": position}),
        );
        assert_eq!(past["result"], Value::Null, "{past}");
    }
    // URIs outside the workspace: no answer, and a document opened there is not indexed.
    let outside = "file:///elsewhere/outside.ts";
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": outside, "languageId": "typescript", "version": 1,
               "text": "import express from 'express';\nexpress().get('/outside', (q, r) => r.end());\n"}}),
    );
    let outside_hover = s.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": outside}, "position": {"line": 1, "character": 12}}),
    );
    assert_eq!(outside_hover["result"], Value::Null, "{outside_hover}");
    let not_a_uri = s.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": "not a uri"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(
        not_a_uri.get("error").is_some() || not_a_uri["result"].is_null(),
        "{not_a_uri}"
    );

    // A change to a document that is not open, and changes out of order, change nothing.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&root.join("src/never.ts")), "version": 2},
               "contentChanges": [{"text": "app.get('/never', h);"}]}),
    );
    let version = |v: i32, path: &str| {
        json!({"textDocument": {"uri": app_uri, "version": v},
               "contentChanges": [{"text": APP.replace("/orders/:id", path)}]})
    };
    s.notify("textDocument/didChange", version(5, "/v5/:id"));
    s.notify("textDocument/didChange", version(3, "/v3/:id"));

    // Cancelling a request in flight: exactly one answer, its result or RequestCancelled.
    s.notify("textDocument/didChange", version(6, "/v6/:id"));
    let id = s.next_id;
    s.next_id += 1;
    let symbols =
        json!({"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": {"query": ""}});
    let cancel = json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}});
    s.send_raw(
        format!(
            "{}{}",
            framed(&symbols.to_string()),
            framed(&cancel.to_string())
        )
        .as_bytes(),
    );
    let answer = s.response(json!(id));
    assert!(
        answer.get("result").is_some() || error_code(&answer) == -32800,
        "{answer}"
    );

    // The server is alive and saw the newest version only.
    let hover = s.request("textDocument/hover", on_path.clone());
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.starts_with("**GET** `/v6/:id`"), "{hover}");
    let inventory = s.request("backendBrain/inventory", json!({}));
    let paths: Vec<&str> = inventory["routes"]
        .as_array()
        .map(|routes| routes.iter().filter_map(|r| r["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths, vec!["/v6/:id"], "{inventory}");

    // After `shutdown`, requests are invalid; `exit` then ends the process with 0.
    s.request("shutdown", Value::Null);
    let after = s.call("textDocument/hover", on_path);
    assert_eq!(error_code(&after), -32600, "{after}");
    s.notify("exit", Value::Null);
    let status = s.child.wait().expect("the server exits");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn exit_without_shutdown_exits_with_1() {
    let mut s = Session::start();
    s.request("initialize", json!({"capabilities": {}}));
    s.notify("initialized", json!({}));
    s.notify("exit", Value::Null);
    let status = s.child.wait().expect("the server exits");
    assert_eq!(status.code(), Some(1), "{status}");
}
