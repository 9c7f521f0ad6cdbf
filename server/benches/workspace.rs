//! The benchmark harness: generates a synthetic backend (deterministic from a seed) and measures,
//! on the same files, the parse floor, a cold index, memory, feature latencies and the cost of a
//! keystroke. Figures go to BENCHMARKS.md; this is not a test and asserts nothing.
//!
//! `cargo bench --bench workspace -- --files 2000 --lines 100000 [--seed 7] [--keep DIR]
//! [--edits 1000]`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backend_brain::features::{Analysis, DocsTable};
use backend_brain::syntax::{self, Grammar};
use backend_brain::workspace::{Config, Workspace};
use rayon::prelude::*;

struct Options {
    files: usize,
    lines: usize,
    seed: u64,
    keep: Option<PathBuf>,
    /// Keystrokes measured through the in-process language server.
    edits: usize,
}

fn options() -> Options {
    let mut o = Options {
        files: 1000,
        lines: 100_000,
        seed: 7,
        keep: None,
        edits: 1000,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--files" => o.files = value.parse().unwrap_or(o.files),
            "--lines" => o.lines = value.parse().unwrap_or(o.lines),
            "--seed" => o.seed = value.parse().unwrap_or(o.seed),
            "--keep" => o.keep = Some(PathBuf::from(value)),
            "--edits" => o.edits = value.parse().unwrap_or(o.edits),
            // `cargo bench` passes `--bench`; anything else is ignored.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// A small deterministic generator (64-bit LCG), so the same seed writes the same backend.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const VERBS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Writes a backend of `files` files and about `lines` lines: route modules mounted through an
/// index router, controllers, services with SQL, Socket.IO handlers, and the many plain modules
/// (utilities, models) that real backends mostly consist of. One route file has ~2,000 lines, for
/// the keystroke measurement. Every fourth route has no doc comment: a diagnostic.
fn generate(root: &Path, o: &Options) -> std::io::Result<PathBuf> {
    let mut rng = Rng(o.seed);
    let src = root.join("src");
    for dir in ["routes", "controllers", "services", "sockets", "utils"] {
        std::fs::create_dir_all(src.join(dir))?;
    }
    let route_files = (o.files / 8).max(2);
    let socket_files = (o.files / 40).max(1);
    let service_files = (o.files / 5).max(1);
    let util_files = o
        .files
        .saturating_sub(2 * route_files + socket_files + service_files + 3)
        .max(1);
    let lines_per_file = (o.lines / o.files.max(1)).max(20);

    let mut index = String::from("import { Router } from 'express';\n");
    for r in 0..route_files {
        writeln!(index, "import r{r} from './res{r}';").ok();
    }
    index.push_str("\nconst router = Router();\n");
    for r in 0..route_files {
        writeln!(index, "router.use('/res{r}', r{r});").ok();
    }
    index.push_str("export default router;\n");
    std::fs::write(src.join("routes/index.ts"), index)?;

    std::fs::write(
        src.join("app.ts"),
        "import express from 'express';\nimport { createServer } from 'http';\nimport { Server } from 'socket.io';\nimport routes from './routes';\n\nexport const app = express();\napp.use(express.json());\napp.use('/api/v1', routes);\nexport const io = new Server(createServer(app));\n",
    )?;
    std::fs::write(
        src.join("utils/auth.ts"),
        "export function authenticate(req: any, res: any, next: any) {\n  if (!req.headers.authorization) return res.status(401).end();\n  next();\n}\n",
    )?;

    let mut big_route_file = PathBuf::new();
    for r in 0..route_files {
        let is_big = r == 0;
        let target = if is_big { 2000 } else { lines_per_file };
        let mut routes = format!(
            "import {{ Router }} from 'express';\nimport {{ authenticate }} from '../utils/auth';\nimport {{ Res{r}Controller }} from '../controllers/res{r}';\n\nconst router = Router();\nconst ctrl = new Res{r}Controller();\n\n"
        );
        let mut controller = format!("export class Res{r}Controller {{\n");
        let mut n = 0;
        while routes.lines().count() < target.saturating_sub(2) {
            let verb = VERBS[rng.below(VERBS.len())];
            let auth = if rng.below(3) == 0 {
                ""
            } else {
                "authenticate, "
            };
            // Every fourth route is undocumented, so that every route file has diagnostics.
            let doc = if n % 4 == 3 {
                String::new()
            } else {
                format!("/** Handles {verb} item {n}. */\n")
            };
            writeln!(
                routes,
                "{doc}router.{verb}('/items{n}/:id', {auth}ctrl.h{n});\n"
            )
            .ok();
            writeln!(controller, "  h{n} = async (req: any, res: any) => {{\n    res.json({{ id: req.params.id, n: {n} }});\n  }};").ok();
            n += 1;
        }
        routes.push_str("export default router;\n");
        controller.push_str("}\n");
        let path = src.join(format!("routes/res{r}.ts"));
        std::fs::write(&path, routes)?;
        std::fs::write(src.join(format!("controllers/res{r}.ts")), controller)?;
        if is_big {
            big_route_file = path;
        }
    }
    for s in 0..socket_files {
        let mut text =
            String::from("import { io } from '../app';\n\nio.on('connection', (socket) => {\n");
        for e in 0..(lines_per_file / 4).max(1) {
            writeln!(text, "  socket.on('evt{s}:{e}', (data: any) => {{\n    io.to(data.room).emit('evt{s}:{e}:done', {{ id: data.id }});\n  }});").ok();
        }
        text.push_str("});\n");
        std::fs::write(src.join(format!("sockets/s{s}.ts")), text)?;
    }
    for s in 0..service_files {
        let mut text = String::from("import { pool } from '../utils/u0';\n\n");
        let mut k = 0;
        while text.lines().count() < lines_per_file {
            writeln!(text, "export async function find{k}(id: string) {{\n  const {{ rows }} = await pool.query('SELECT * FROM table{s} WHERE id = $1', [id]);\n  return rows[0];\n}}\n").ok();
            k += 1;
        }
        std::fs::write(src.join(format!("services/svc{s}.ts")), text)?;
    }
    for u in 0..util_files {
        let mut text = if u == 0 {
            String::from("export const pool = { query: async (_s: string, _p: unknown[]) => ({ rows: [] as unknown[] }) };\n\n")
        } else {
            String::new()
        };
        let mut k = 0;
        while text.lines().count() < lines_per_file {
            let w = rng.below(1000);
            writeln!(text, "export function util{k}(values: number[]): number {{\n  let total = {w};\n  for (const v of values) {{\n    if (v % 2 === 0) total += v;\n    else total -= v * {k};\n  }}\n  return values.map((x) => x + total).reduce((a, b) => a + b, 0);\n}}\n").ok();
            k += 1;
        }
        std::fs::write(src.join(format!("utils/u{u}.ts")), text)?;
    }
    Ok(big_route_file)
}

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if Grammar::for_path(&path).is_some() {
                out.push(path);
            }
        }
    }
    out
}

/// Resident and peak memory of this process, in KiB, from /proc.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let o = options();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = o.keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let big = generate(&root, &o).expect("the synthetic backend is written");
    let files = source_files(&root);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let lines: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|t| t.lines().count())
                .unwrap_or(0)
        })
        .sum();
    let mb = bytes as f64 / 1_048_576.0;
    let (rss_before, _) = memory_kib();

    // 1. The floor: read and parse every file on all cores, nothing else.
    let t = Instant::now();
    let parsed: usize = files
        .par_iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            syntax::parse(Grammar::for_path(f)?, &text, None).map(|_| 1)
        })
        .sum();
    let floor = t.elapsed();

    // 2. A cold index: walk, read, parse, extract (in parallel), then resolve.
    let t = Instant::now();
    let (mut workspace, _problems) =
        Workspace::load(&root, Config::default()).expect("the root exists");
    let load = t.elapsed();
    let t = Instant::now();
    let inventory = workspace.inventory();
    let resolve = t.elapsed();
    let cold = load + resolve;
    let (rss_after, peak) = memory_kib();

    // 3. Feature latencies on the settled inventory.
    let table = DocsTable::parse("");
    let config = Config::default();
    let analysis = Analysis::new(&inventory, &table, &config);
    let mut hover = Vec::new();
    let mut definition = Vec::new();
    let texts: std::collections::HashMap<u32, String> = inventory
        .routes
        .iter()
        .map(|r| r.location.file)
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .map(|f| {
            (
                f,
                std::fs::read_to_string(root.join(&inventory.files[f as usize]))
                    .unwrap_or_default(),
            )
        })
        .collect();
    for route in inventory.routes.iter().cycle().take(1000) {
        let text = &texts[&route.location.file];
        let t = Instant::now();
        let _ = analysis.hover(route.location.file, text, route.location.name.start);
        hover.push(t.elapsed());
        let t = Instant::now();
        let _ = analysis.definition(route.location.file, text, route.location.name.start);
        definition.push(t.elapsed());
    }
    // Symbols are indexed once per inventory (the language server keeps the index with its
    // snapshot), then searched.
    let t = Instant::now();
    let symbol_index = analysis.symbol_index();
    let symbol_indexing = t.elapsed();
    let mut symbols = Vec::new();
    for q in ["items1", "res3/items", "POST", "evt0", ":id", "zzz"]
        .iter()
        .cycle()
        .take(200)
    {
        let t = Instant::now();
        let _ = symbol_index.search(q);
        symbols.push(t.elapsed());
    }

    // 4. Keystrokes in the 2,000-line route file at the engine: an incremental reparse, the
    //    file's facts, the inventory (followed when the edit left the facts congruent, else
    //    resolved again), and the file's diagnostics. Typing in a doc comment is followed;
    //    typing in a route's path changes the facts and resolves.
    let rel = big
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let text = std::fs::read_to_string(&big).unwrap_or_default();
    let doc_anchor = text.find("Handles").unwrap_or(0) + 7;
    let path_anchor = text.find("'/items").unwrap_or(0) + 7;
    let mut current = inventory.clone();
    let keystroke_doc =
        engine_keystrokes(&mut workspace, &mut current, &rel, &text, doc_anchor, 100);
    let keystroke_path =
        engine_keystrokes(&mut workspace, &mut current, &rel, &text, path_anchor, 20);

    // 5. The same keystroke through the language server, in process: didChange of one
    //    character → the publishDiagnostics of that version.
    let (indexed, lsp_doc, lsp_path) = lsp_keystrokes(&root, &big, o.edits, inventory.routes.len());

    let symbol_count = inventory.routes.len() + inventory.socket_events.len();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| files / lines / MB | {} / {} / {:.1} |",
        files.len(),
        lines,
        mb
    );
    println!(
        "| routes / socket events | {} / {} |",
        inventory.routes.len(),
        inventory.socket_events.len()
    );
    println!(
        "| floor: read + parse all files ({} parsed) | {} |",
        parsed,
        ms(floor)
    );
    println!(
        "| cold index: load (walk, read, parse, extract) | {} |",
        ms(load)
    );
    println!("| cold index: resolve | {} |", ms(resolve));
    println!(
        "| cold index total, ratio to floor | {} ({:.2}x) |",
        ms(cold),
        cold.as_secs_f64() / floor.as_secs_f64().max(1e-9)
    );
    println!(
        "| cold index throughput | {:.0} files/s, {:.1} MB/s |",
        files.len() as f64 / cold.as_secs_f64(),
        mb / cold.as_secs_f64()
    );
    println!(
        "| resident memory after index (delta), per MB of source | {} KiB, {:.1}x source |",
        rss_after.saturating_sub(rss_before),
        rss_after.saturating_sub(rss_before) as f64 / 1024.0 / mb.max(1e-9)
    );
    println!("| peak resident memory | {} KiB |", peak);
    println!(
        "| hover p50 / p99 ({} symbols) | {} / {} |",
        symbol_count,
        ms(percentile(&mut hover, 0.5)),
        ms(percentile(&mut hover, 0.99))
    );
    println!(
        "| definition p50 / p99 | {} / {} |",
        ms(percentile(&mut definition, 0.5)),
        ms(percentile(&mut definition, 0.99))
    );
    println!(
        "| workspace symbol p50 / p99 (indexed once in {}) | {} / {} |",
        ms(symbol_indexing),
        ms(percentile(&mut symbols, 0.5)),
        ms(percentile(&mut symbols, 0.99))
    );
    for (what, samples) in [
        ("in a doc comment", keystroke_doc),
        ("in a route path", keystroke_path),
    ] {
        let mut samples = samples;
        println!(
            "| keystroke {what} of a 2,000-line file → its diagnostics, engine, p50 / p99 ({} edits) | {} / {} |",
            samples.len(),
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.99))
        );
    }
    println!("| LSP: initialized → index done | {} |", ms(indexed));
    for (what, samples) in [
        ("in a doc comment", lsp_doc),
        ("in a route path (50 ms typing pause included)", lsp_path),
    ] {
        let mut samples = samples;
        println!(
            "| LSP: didChange {what} → publishDiagnostics, p50 / p99 ({} edits) | {} / {} |",
            samples.len(),
            ms(percentile(&mut samples, 0.5)),
            ms(percentile(&mut samples, 0.99))
        );
    }
}

/// `edits` one-character insertions at `at` of `rel`, each timed from the edit to the file's
/// diagnostics, as the language server does them.
fn engine_keystrokes(
    workspace: &mut Workspace,
    inventory: &mut backend_brain::inventory::Inventory,
    rel: &str,
    text: &str,
    at: usize,
    edits: usize,
) -> Vec<Duration> {
    let grammar = Grammar::for_path(Path::new(rel)).expect("a TypeScript file");
    let mut text = text.to_string();
    let mut tree = syntax::parse(grammar, &text, None).expect("parses");
    let table = DocsTable::parse("");
    let config = Config::default();
    let file = inventory.files.iter().position(|f| f == rel).unwrap_or(0) as u32;
    let mut samples = Vec::new();
    for i in 0..edits {
        let ch = if i % 2 == 0 { "x" } else { "y" };
        let t = Instant::now();
        text.insert_str(at, ch);
        let row = text[..at].matches('\n').count();
        let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
        tree.edit(&tree_sitter::InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: tree_sitter::Point { row, column },
            old_end_position: tree_sitter::Point { row, column },
            new_end_position: tree_sitter::Point {
                row,
                column: column + 1,
            },
        });
        tree = syntax::parse(grammar, &text, Some(&tree)).expect("parses");
        let facts = std::sync::Arc::new(backend_brain::facts::extract(&tree, &text));
        if !workspace.set_facts_following(rel, facts, inventory) {
            *inventory = workspace.inventory();
        }
        let analysis = Analysis::new(inventory, &table, &config);
        let _ = analysis.diagnostics_in(&std::collections::HashSet::from([file]));
        samples.push(t.elapsed());
    }
    samples
}

/// Drives the language server in process over a duplex pipe: the time from `initialized` until
/// the inventory holds all `routes`, then `edits` keystrokes in a doc comment of `big` and a tenth
/// as many in a route's path, each timed from `didChange` to the `publishDiagnostics` of its
/// version.
fn lsp_keystrokes(
    root: &Path,
    big: &Path,
    edits: usize,
    routes: usize,
) -> (Duration, Vec<Duration>, Vec<Duration>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(64 * 1024 * 1024)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut client = Client::start();
        let root_uri = format!("file://{}", root.display());
        let big_uri = format!("file://{}", big.display());
        client
            .request(
                "initialize",
                serde_json::json!({"capabilities": {}, "workspaceFolders": [{"uri": root_uri, "name": "bench"}]}),
            )
            .await;
        let t = Instant::now();
        client.notify("initialized", serde_json::json!({})).await;
        // Indexing is done when the server's inventory holds every route the engine found.
        loop {
            let inventory = client
                .request("backendBrain/inventory", serde_json::json!({}))
                .await;
            if inventory["result"]["routes"].as_array().map_or(0, Vec::len) >= routes {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let indexed = t.elapsed();
        let text = std::fs::read_to_string(big).unwrap_or_default();
        client
            .notify(
                "textDocument/didOpen",
                serde_json::json!({"textDocument": {"uri": big_uri, "languageId": "typescript", "version": 1, "text": text}}),
            )
            .await;
        client.diagnostics(&big_uri, 1).await;
        let doc = type_at(&mut client, &big_uri, &text, ("Handles", 7), 2, edits).await;
        let path_edits = (edits / 10).max(5);
        let path = type_at(&mut client, &big_uri, &text, ("'/items", 7), 2 + edits, path_edits).await;
        (indexed, doc, path)
    })
}

/// `edits` one-character insertions `offset` bytes into the first line of `text` holding
/// `needle`, numbered from version `first`, each timed until its diagnostics arrive.
async fn type_at(
    client: &mut Client,
    uri: &str,
    text: &str,
    (needle, offset): (&str, usize),
    first: usize,
    edits: usize,
) -> Vec<Duration> {
    let line = text.lines().position(|l| l.contains(needle)).unwrap_or(0);
    let column = text
        .lines()
        .nth(line)
        .and_then(|l| l.find(needle))
        .unwrap_or(0)
        + offset;
    let mut samples = Vec::new();
    for i in 0..edits {
        let version = (first + i) as i64;
        let ch = if i % 2 == 0 { "x" } else { "y" };
        let t = Instant::now();
        client
            .notify(
                "textDocument/didChange",
                serde_json::json!({
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}}, "text": ch}],
                }),
            )
            .await;
        client.diagnostics(uri, version).await;
        samples.push(t.elapsed());
    }
    samples
}

/// The editor's side of an in-process session.
struct Client {
    writer: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    incoming: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt};
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server);
        let (service, socket) = backend_brain::lsp::service();
        tokio::spawn(backend_brain::lsp::serve(
            server_read,
            server_write,
            service,
            socket,
        ));
        let (client_read, writer) = tokio::io::split(client);
        let (tx, incoming) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(client_read);
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
        Client {
            writer,
            incoming,
            next_id: 1,
        }
    }

    async fn send(&mut self, message: serde_json::Value) {
        use tokio::io::AsyncWriteExt;
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer
            .write_all(framed.as_bytes())
            .await
            .expect("the server reads");
    }

    async fn notify(&mut self, method: &str, params: serde_json::Value) {
        self.send(serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    async fn request(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .await;
        loop {
            let message = self.incoming.recv().await.expect("the server is alive");
            if message.get("method").is_none() && message["id"] == serde_json::json!(id) {
                return message;
            }
        }
    }

    /// Waits for the diagnostics of `uri` at `version`.
    async fn diagnostics(&mut self, uri: &str, version: i64) {
        loop {
            let message = self.incoming.recv().await.expect("the server is alive");
            let params = &message["params"];
            if message["method"] == "textDocument/publishDiagnostics"
                && params["uri"] == uri
                && params["version"] == version
            {
                return;
            }
        }
    }
}
