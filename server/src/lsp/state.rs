//! The server's mutable state: open documents, one project per workspace folder, and the
//! snapshots that reads run on. Every mutation happens synchronously under one lock, in the
//! order the editor sent it; reads clone what they need and resolve off the lock.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ropey::Rope;
use serde_json::Value;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};
use tree_sitter::{InputEdit, Point, Tree};

use crate::facts;
use crate::features::{Analysis, DocsTable, SymbolIndex};
use crate::inventory::Inventory;
use crate::syntax::{self, Grammar};
use crate::workspace::{
    path_inside, read_inside, read_source, Config, FileId, Workspace, CONFIG_FILE,
};

use super::convert::{self, Encoding};

/// An open document: the editor's text, and its syntax tree when it is source code.
pub struct Document {
    pub project: usize,
    pub rel: String,
    pub version: i32,
    pub rope: Rope,
    /// The same text as one string, for the parser and for tree-sitter's row/column points.
    text: String,
    tree: Option<Tree>,
    grammar: Option<Grammar>,
}

pub struct Project {
    pub root: PathBuf,
    pub workspace: Workspace,
    /// Bumped by every change to the project's files or settings.
    pub generation: u64,
    pub snapshot: Option<Arc<Snapshot>>,
    /// The route table document's text; `None` when it does not exist.
    pub table_text: Option<String>,
    pub config_problem: Option<String>,
    /// Root-relative paths that currently have published diagnostics.
    pub published: HashSet<String>,
    /// Bumped by each indexing run, so that a superseded run stops.
    pub index_run: u64,
}

/// What reads see: the resolved inventory of one generation, with the texts it was built from.
#[derive(Clone)]
pub struct Snapshot {
    pub generation: u64,
    pub root: PathBuf,
    pub inventory: Inventory,
    pub table: DocsTable,
    pub table_text: Option<String>,
    pub config: Config,
    /// Open documents at this generation: text and version.
    pub open: HashMap<String, (Rope, i32)>,
    /// The workspace symbols, indexed on the first search.
    pub symbols: OnceLock<SymbolIndex>,
}

impl Snapshot {
    pub fn analysis(&self) -> Analysis<'_> {
        Analysis::new(&self.inventory, &self.table, &self.config)
    }

    pub fn symbols(&self) -> &SymbolIndex {
        self.symbols.get_or_init(|| self.analysis().symbol_index())
    }

    /// A file's text as the inventory saw it: the editor's buffer, or the file on disk.
    pub fn rope(&self, rel: &str) -> Option<Rope> {
        if let Some((rope, _)) = self.open.get(rel) {
            return Some(rope.clone());
        }
        read_inside(&self.root, rel).map(|t| Rope::from_str(&t))
    }

    /// The inventory's id of a root-relative path.
    pub fn file_id(&self, rel: &str) -> Option<FileId> {
        let id = self.inventory.files.iter().position(|f| f == rel)?;
        FileId::try_from(id).ok()
    }

    /// The inventory's id of a document inside this snapshot's root.
    pub fn locate(&self, uri: &Uri) -> Option<FileId> {
        let path = uri.to_file_path()?;
        let rel = rel_string(path.strip_prefix(&self.root).ok()?)?;
        self.file_id(&rel)
    }

    pub fn version(&self, rel: &str) -> Option<i32> {
        self.open.get(rel).map(|(_, v)| *v)
    }
}

/// What the client can do, read once from `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    pub watch_files: bool,
    pub document_changes: bool,
    pub create_files: bool,
    pub progress: bool,
    pub show_document: bool,
}

#[derive(Default)]
pub struct State {
    pub encoding: Encoding,
    pub caps: ClientCaps,
    /// Open documents by URI.
    pub docs: HashMap<String, Document>,
    pub projects: Vec<Project>,
    /// Settings from `initializationOptions` and `workspace/didChangeConfiguration`, laid over
    /// `backend-brain.toml`.
    pub settings: Value,
}

/// Work to resolve a snapshot off the lock.
pub struct SnapshotJob {
    project: usize,
    generation: u64,
    workspace: Workspace,
    table_text: Option<String>,
    open: HashMap<String, (Rope, i32)>,
}

impl SnapshotJob {
    /// Resolves the inventory; slow on large workspaces, so callers run it on a blocking thread.
    pub fn run(self) -> (usize, Snapshot) {
        let inventory = self.workspace.inventory();
        // A bad OpenAPI file documents nothing; the CLI's check reports why.
        let (table, _) = DocsTable::load(
            self.workspace.root(),
            self.workspace.config(),
            self.table_text.as_deref(),
        );
        (
            self.project,
            Snapshot {
                generation: self.generation,
                root: self.workspace.root().to_path_buf(),
                config: self.workspace.config().clone(),
                inventory,
                table,
                table_text: self.table_text,
                open: self.open,
                symbols: OnceLock::new(),
            },
        )
    }
}

impl State {
    pub fn add_project(&mut self, root: PathBuf) -> usize {
        let (config, config_problem) = load_config(&root, &self.settings);
        let table_text = read_inside(&root, &config.docs.table);
        self.projects.push(Project {
            workspace: Workspace::new(root.clone(), config),
            root,
            generation: 0,
            snapshot: None,
            table_text,
            config_problem,
            published: HashSet::new(),
            index_run: 0,
        });
        self.projects.len() - 1
    }

    /// The project a URI belongs to (the deepest root containing it) and its root-relative path.
    pub fn locate(&self, uri: &Uri) -> Option<(usize, String)> {
        let path = uri.to_file_path()?;
        self.projects
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, path.strip_prefix(&p.root).ok()?)))
            .max_by_key(|(i, _)| self.projects[*i].root.components().count())
            .and_then(|(i, rel)| Some((i, rel_string(rel)?)))
    }

    pub fn touch(&mut self, project: usize) {
        if let Some(p) = self.projects.get_mut(project) {
            p.generation += 1;
        }
    }

    pub fn open(&mut self, uri: &Uri, version: i32, text: String) -> Option<usize> {
        let (project, rel) = self.locate(uri)?;
        let grammar = self.wanted_grammar(project, &rel);
        let mut doc = Document {
            project,
            rel,
            version,
            rope: Rope::from_str(&text),
            text,
            tree: None,
            grammar,
        };
        self.reanalyze(&mut doc);
        self.docs.insert(uri.as_str().to_string(), doc);
        self.touch(project);
        Some(project)
    }

    /// Applies a `didChange`: edits the rope and the old tree, reparses incrementally and
    /// re-extracts the file's facts. Changes for an older or equal version are refused. Returns
    /// the project, and its new snapshot when the edit could be followed without resolving.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Result<(usize, Option<Arc<Snapshot>>), String> {
        let encoding = self.encoding;
        let mut doc = self
            .docs
            .remove(uri.as_str())
            .ok_or_else(|| format!("{}: change to a document that is not open", uri.as_str()))?;
        if version <= doc.version {
            let message = format!(
                "{}: ignored change to version {version}, already at {}",
                uri.as_str(),
                doc.version
            );
            self.docs.insert(uri.as_str().to_string(), doc);
            return Err(message);
        }
        for change in changes {
            match change.range {
                None => {
                    doc.rope = Rope::from_str(&change.text);
                    doc.text = change.text;
                    doc.tree = None;
                }
                Some(range) => {
                    let len = doc.text.len();
                    let start = convert::offset(&doc.rope, range.start, encoding).unwrap_or(len);
                    let end = convert::offset(&doc.rope, range.end, encoding)
                        .unwrap_or(len)
                        .max(start);
                    let edit = InputEdit {
                        start_byte: start,
                        old_end_byte: end,
                        new_end_byte: start + change.text.len(),
                        start_position: point(&doc.text, start),
                        old_end_position: point(&doc.text, end),
                        new_end_position: Point::default(),
                    };
                    let (start_char, end_char) =
                        (doc.rope.byte_to_char(start), doc.rope.byte_to_char(end));
                    doc.rope.remove(start_char..end_char);
                    doc.rope.insert(start_char, &change.text);
                    doc.text.replace_range(start..end, &change.text);
                    if let Some(tree) = doc.tree.as_mut() {
                        tree.edit(&InputEdit {
                            new_end_position: point(&doc.text, edit.new_end_byte),
                            ..edit
                        });
                    }
                }
            }
        }
        doc.version = version;
        let project = doc.project;
        let followed = self.follow_edit(&mut doc);
        self.docs.insert(uri.as_str().to_string(), doc);
        if followed.is_none() {
            self.touch(project);
        }
        Ok((project, followed))
    }

    /// Re-extracts an edited document and, when the project's snapshot was current and the
    /// edit left the file's facts congruent, moves the snapshot along the edit: the next
    /// generation's snapshot without resolving. `None` when the caller must resolve.
    fn follow_edit(&mut self, doc: &mut Document) -> Option<Arc<Snapshot>> {
        let current = self
            .projects
            .get_mut(doc.project)
            .filter(|p| doc.grammar.is_some() && doc.rel != p.workspace.config().docs.table)
            .and_then(|p| {
                let generation = p.generation;
                p.snapshot.take_if(|s| s.generation == generation)
            });
        let Some(snapshot) = current else {
            self.reanalyze(doc);
            return None;
        };
        // Readers still holding the snapshot keep theirs; this one moves a copy.
        let mut snapshot = Arc::try_unwrap(snapshot).unwrap_or_else(|shared| (*shared).clone());
        let tree = doc
            .grammar
            .and_then(|g| syntax::parse(g, &doc.text, doc.tree.as_ref()));
        let p = self.projects.get_mut(doc.project)?;
        let Some(tree) = tree else {
            doc.tree = None;
            return None;
        };
        let facts = Arc::new(facts::extract(&tree, &doc.text));
        doc.tree = Some(tree);
        if !p
            .workspace
            .set_facts_following(&doc.rel, facts, &mut snapshot.inventory)
        {
            return None;
        }
        p.generation += 1;
        snapshot.generation = p.generation;
        snapshot.symbols = OnceLock::new();
        snapshot
            .open
            .insert(doc.rel.clone(), (doc.rope.clone(), doc.version));
        let snapshot = Arc::new(snapshot);
        p.snapshot = Some(snapshot.clone());
        Some(snapshot)
    }

    /// Closes a document: its tree is dropped and the file is read again from disk, where
    /// unsaved edits do not exist.
    pub fn close(&mut self, uri: &Uri) -> Option<usize> {
        let doc = self.docs.remove(uri.as_str())?;
        self.reload_from_disk(doc.project, &doc.rel);
        Some(doc.project)
    }

    /// Re-reads one closed file (source, tsconfig or route table) after a change on disk.
    pub fn reload_from_disk(&mut self, project: usize, rel: &str) {
        let Some(p) = self.projects.get_mut(project) else {
            return;
        };
        // What is gone, or lies outside the workspace through a symbolic link, is not read.
        let path = path_inside(&p.root, rel);
        if rel == p.workspace.config().docs.table {
            p.table_text = path.and_then(|path| std::fs::read_to_string(path).ok());
        } else if crate::workspace::is_resolution_config(file_name(rel)) {
            match path.and_then(|path| std::fs::read_to_string(path).ok()) {
                Some(text) => {
                    // A broken tsconfig keeps its last good reading.
                    let _ = p.workspace.set_resolution_config(rel, &text);
                }
                None => p.workspace.remove(rel),
            }
        } else if p.workspace.wants(rel) {
            let max = p.workspace.config().index.max_file_size;
            // `set_text` parses a schema file as one, a source file as source.
            let read = path
                .ok_or_else(|| "not inside the workspace".to_string())
                .and_then(|path| read_source(&path, max));
            if read.and_then(|t| p.workspace.set_text(rel, &t)).is_err() {
                p.workspace.remove(rel);
            }
        }
        p.generation += 1;
    }

    pub fn is_open(&self, project: usize, rel: &str) -> bool {
        self.docs
            .values()
            .any(|d| d.project == project && d.rel == rel)
    }

    /// The snapshot of the project's current generation, or the job that makes it.
    pub fn snapshot_or_job(&self, project: usize) -> Option<Result<Arc<Snapshot>, SnapshotJob>> {
        let p = self.projects.get(project)?;
        if let Some(s) = p.snapshot.as_ref().filter(|s| s.generation == p.generation) {
            return Some(Ok(s.clone()));
        }
        let open = self
            .docs
            .values()
            .filter(|d| d.project == project)
            .map(|d| (d.rel.clone(), (d.rope.clone(), d.version)))
            .collect();
        Some(Err(SnapshotJob {
            project,
            generation: p.generation,
            workspace: p.workspace.clone(),
            table_text: p.table_text.clone(),
            open,
        }))
    }

    /// Keeps a resolved snapshot unless a newer one is already kept.
    pub fn store_snapshot(&mut self, project: usize, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        if let Some(p) = self.projects.get_mut(project) {
            if p.snapshot
                .as_ref()
                .is_none_or(|s| s.generation < snapshot.generation)
            {
                p.snapshot = Some(snapshot.clone());
            }
        }
        snapshot
    }

    /// Re-reads the project's settings; `true` when what is indexed changed (a re-index is due).
    pub fn reload_config(&mut self, project: usize) -> bool {
        let settings = self.settings.clone();
        let Some(p) = self.projects.get_mut(project) else {
            return false;
        };
        let (config, problem) = load_config(&p.root, &settings);
        let reindex = config.index != p.workspace.config().index;
        p.table_text = read_inside(&p.root, &config.docs.table);
        p.workspace.set_config(config);
        p.config_problem = problem;
        p.generation += 1;
        reindex
    }

    /// Re-extracts an open document's facts (or route table) from its current text.
    fn reanalyze(&mut self, doc: &mut Document) {
        let Some(p) = self.projects.get_mut(doc.project) else {
            return;
        };
        if doc.rel == p.workspace.config().docs.table {
            p.table_text = Some(doc.text.clone());
            return;
        }
        let Some(grammar) = doc.grammar else {
            return;
        };
        let tree = syntax::parse(grammar, &doc.text, doc.tree.as_ref());
        if let Some(tree) = &tree {
            p.workspace
                .set_facts(&doc.rel, Arc::new(facts::extract(tree, &doc.text)));
        }
        doc.tree = tree;
    }

    fn wanted_grammar(&self, project: usize, rel: &str) -> Option<Grammar> {
        let p = self.projects.get(project)?;
        if !p.workspace.wants(rel) {
            return None;
        }
        Grammar::for_path(Path::new(rel))
    }
}

/// `backend-brain.toml` with the editor's settings laid over it. A bad file or bad settings are
/// reported, and defaults apply.
pub fn load_config(root: &Path, settings: &Value) -> (Config, Option<String>) {
    let mut problems = Vec::new();
    let mut merged = match std::fs::read_to_string(root.join(CONFIG_FILE)) {
        Err(_) => Value::Object(Default::default()),
        Ok(text) => match Config::parse(&text) {
            Err(e) => {
                problems.push(e);
                Value::Object(Default::default())
            }
            Ok(_) => toml::from_str::<toml::Value>(&text)
                .ok()
                .and_then(|v| serde_json::to_value(v).ok())
                .unwrap_or_default(),
        },
    };
    overlay(&mut merged, settings);
    let config = match serde_json::from_value::<Config>(merged) {
        Ok(c) => c,
        Err(e) => {
            problems.push(format!("editor settings for backend-brain: {e}"));
            // The file alone, if it was good.
            Workspace::read_config(root).0
        }
    };
    let problem =
        (!problems.is_empty()).then(|| format!("{} (using defaults)", problems.join("; ")));
    (config, problem)
}

/// The settings object for this server inside what an editor sends: `{"backendBrain": {...}}`
/// or the object itself.
pub fn settings_of(value: Option<Value>) -> Value {
    match value {
        Some(Value::Object(mut map)) => match map.remove("backendBrain") {
            Some(inner @ Value::Object(_)) => inner,
            _ => Value::Object(map),
        },
        _ => Value::Object(Default::default()),
    }
}

fn overlay(base: &mut Value, top: &Value) {
    match (base, top) {
        (Value::Object(b), Value::Object(t)) => {
            for (k, v) in t {
                overlay(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, t) => *b = t.clone(),
    }
}

/// tree-sitter's point for a byte offset: rows count `\n` only, columns are bytes.
fn point(text: &str, byte: usize) -> Point {
    let before = &text.as_bytes()[..byte.min(text.len())];
    let row = before.iter().filter(|b| **b == b'\n').count();
    let column = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
    Point { row, column }
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn rel_string(rel: &Path) -> Option<String> {
    // `src/../../x.ts` is not inside the root it starts with.
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            std::path::Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}
