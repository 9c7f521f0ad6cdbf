//! One real session with the built binary over stdio: initialize → didOpen → hover → definition
//! → codeAction → apply → diagnostics cleared → shutdown → exit 0.

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
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
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
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message.get("method").is_none() && message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
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
