//! The `LanguageServer` implementation: document sync applied before any `.await`, reads on
//! snapshots behind a panic boundary, background indexing with progress, and diagnostics.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use rayon::prelude::*;
use ropey::Rope;
use serde::Deserialize;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::facts::FileFacts;
use crate::features::{self, ActionKind, FileEdit, Target};
use crate::workspace::config::Severity;
use crate::workspace::{self, extract_text, read_source, FileId, CONFIG_FILE};

use super::convert::{self, Encoding};
use super::state::{settings_of, ClientCaps, Snapshot, State};

/// The command a code lens runs: open the handler of a route.
pub const SHOW_HANDLER: &str = "backendBrain.showHandler";
/// Files indexed per progress report and per lock taken while indexing.
const INDEX_BATCH: usize = 64;
/// How long diagnostics wait for typing to pause.
const DIAGNOSTICS_DELAY: Duration = Duration::from_millis(50);

pub struct Backend {
    shared: Arc<Shared>,
}

/// What handlers and background jobs share.
struct Shared {
    client: Client,
    state: Mutex<State>,
    /// The user is told once that something failed; later failures are only logged.
    told_of_failure: AtomicBool,
    /// Set by `shutdown`, so that the process exits with 0 on `exit` (1 without it).
    shut_down: Arc<AtomicBool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InventoryParams {
    /// Any file or folder of the project; the first project when absent.
    uri: Option<Uri>,
}

impl Backend {
    pub fn new(client: Client, shut_down: Arc<AtomicBool>) -> Backend {
        Backend {
            shared: Arc::new(Shared {
                client,
                state: Mutex::new(State::default()),
                told_of_failure: AtomicBool::new(false),
                shut_down,
            }),
        }
    }

    /// `backendBrain/inventory`: the CLI's JSON for one project.
    pub async fn inventory(&self, params: InventoryParams) -> Result<Value> {
        let project = {
            let state = self.shared.lock();
            match &params.uri {
                Some(uri) => state.locate(uri).map(|(p, _)| p).or_else(|| {
                    let path = uri.to_file_path()?;
                    state.projects.iter().position(|p| p.root == path)
                }),
                None => (!state.projects.is_empty()).then_some(0),
            }
        };
        let Some(project) = project else {
            return Err(Error::invalid_params("no workspace folder holds this URI"));
        };
        let snapshot = self.shared.snapshot(project).await?;
        Ok(snapshot.inventory.to_json())
    }
}

#[derive(Deserialize)]
pub struct FindRouteParams {
    /// A URL or path, optionally preceded by its method: `GET https://host/api/orders/42?x=1`.
    url: String,
    method: Option<String>,
    /// Any file or folder of the project to search; every project when absent.
    #[serde(default)]
    uri: Option<Uri>,
}

/// One route serving the URL, best first.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundRoute {
    /// `GET /api/orders/:id`.
    label: String,
    method: String,
    path: String,
    params: BTreeMap<String, String>,
    /// The registration (the method name of `router.get(...)`).
    location: Option<Location>,
    /// The handler's definition, when found.
    handler_location: Option<Location>,
}

impl Backend {
    /// `backendBrain/findRoute`: the routes serving a URL, best first, as locations.
    pub async fn find_route(&self, params: FindRouteParams) -> Result<Vec<FoundRoute>> {
        let request = features::route_match::parse_request(&params.url, params.method.as_deref())
            .map_err(Error::invalid_params)?;
        let projects: Vec<usize> = {
            let state = self.shared.lock();
            match &params.uri {
                Some(uri) => state.locate(uri).map(|(p, _)| p).into_iter().collect(),
                None => (0..state.projects.len()).collect(),
            }
        };
        let encoding = self.shared.encoding();
        let mut out = Vec::new();
        for project in projects {
            let snapshot = self.shared.snapshot(project).await?;
            let request = request.clone();
            let found = self
                .shared
                .guarded("finding a route", move || {
                    let matches =
                        features::route_match::find_routes(&snapshot.inventory.routes, &request);
                    matches
                        .iter()
                        .map(|m| {
                            let loc = m.route.location;
                            let target = Target {
                                file: loc.file,
                                start: loc.name.start,
                                end: loc.name.end,
                            };
                            let handler = m.route.handler.as_ref().and_then(|h| h.definition);
                            FoundRoute {
                                label: features::route_label(m.route),
                                method: m.route.method.clone(),
                                path: m.route.path.clone(),
                                params: m.params.iter().cloned().collect(),
                                location: location(&snapshot, &target, encoding),
                                handler_location: handler.and_then(|(file, span)| {
                                    let target = Target {
                                        file,
                                        start: span.start,
                                        end: span.end,
                                    };
                                    location(&snapshot, &target, encoding)
                                }),
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .await?;
            out.extend(found);
        }
        Ok(out)
    }
}

impl Shared {
    /// Applies a document or file change synchronously, behind a panic boundary: a bug in one
    /// change loses that change, not the server.
    fn mutate<T>(&self, f: impl FnOnce(&mut State) -> T) -> std::result::Result<T, String> {
        let mut state = self.lock();
        catch_unwind(AssertUnwindSafe(|| f(&mut state)))
            .map_err(|panic| panic_message(panic.as_ref()))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left the state as it was between two edits; go on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on a blocking thread behind a panic boundary: a panic answers an internal error
    /// for this request, is logged, and is shown to the user once.
    async fn guarded<T, F>(&self, what: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let joined = tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(f))).await;
        match joined {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => {
                let message = panic_message(panic.as_ref());
                self.report_failure(what, &message).await;
                Err(Error::internal_error())
            }
            Err(e) => {
                self.report_failure(what, &e.to_string()).await;
                Err(Error::internal_error())
            }
        }
    }

    async fn report_failure(&self, what: &str, message: &str) {
        let text = format!("backend-brain: {what} failed: {message}");
        self.client.log_message(MessageType::ERROR, &text).await;
        if !self.told_of_failure.swap(true, Ordering::Relaxed) {
            self.client
                .show_message(
                    MessageType::ERROR,
                    format!("{text}. The server keeps running; see its log for later failures."),
                )
                .await;
        }
    }

    /// The snapshot of the project's current generation, resolving it when needed.
    async fn snapshot(self: &Arc<Self>, project: usize) -> Result<Arc<Snapshot>> {
        let job = match self.lock().snapshot_or_job(project) {
            None => return Err(Error::invalid_params("unknown project")),
            Some(Ok(snapshot)) => return Ok(snapshot),
            Some(Err(job)) => job,
        };
        let (project, snapshot) = self.guarded("indexing", move || job.run()).await?;
        Ok(self.lock().store_snapshot(project, snapshot))
    }

    /// The snapshot and root-relative path for a document URI; `None` outside every project.
    async fn snapshot_for(self: &Arc<Self>, uri: &Uri) -> Result<Option<(Arc<Snapshot>, String)>> {
        let located = self.lock().locate(uri);
        let Some((project, rel)) = located else {
            return Ok(None);
        };
        Ok(Some((self.snapshot(project).await?, rel)))
    }

    fn encoding(&self) -> Encoding {
        self.lock().encoding
    }

    /// Publishes the project's diagnostics once typing pauses, unless newer edits supersede them.
    fn schedule_diagnostics(self: &Arc<Self>, project: usize) {
        let shared = self.clone();
        let generation = shared.lock().projects.get(project).map(|p| p.generation);
        tokio::spawn(async move {
            tokio::time::sleep(DIAGNOSTICS_DELAY).await;
            let current = shared.lock().projects.get(project).map(|p| p.generation);
            if current != generation {
                return;
            }
            if let Ok(snapshot) = shared.snapshot(project).await {
                shared.publish(project, snapshot).await;
            }
        });
    }

    /// Publishes the diagnostics of an edited file, and of the files whose diagnostics point
    /// into it, after the edit was followed without resolving: nothing else can have changed.
    async fn publish_edited(
        self: &Arc<Self>,
        project: usize,
        snapshot: Arc<Snapshot>,
        edited: Option<FileId>,
    ) {
        let Some(edited) = edited else {
            return;
        };
        let encoding = self.encoding();
        let snap = snapshot.clone();
        let Ok(batches) = self
            .guarded("diagnostics", move || {
                let mut files = HashSet::from([edited]);
                let first = snap.analysis().diagnostics_in(&files);
                files.extend(
                    first
                        .values()
                        .flatten()
                        .flat_map(|f| f.related.iter().map(|r| r.target.file)),
                );
                let files: Vec<String> = files
                    .iter()
                    .filter_map(|f| snap.inventory.files.get(*f as usize).cloned())
                    .collect();
                let mut batches = diagnostics(&snap, encoding, Some(&files));
                for rel in files {
                    batches.entry(rel).or_default();
                }
                batches
            })
            .await
        else {
            return;
        };
        let send: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = {
            let mut state = self.lock();
            match state.projects.get_mut(project) {
                Some(p) if p.generation == snapshot.generation => batches
                    .into_iter()
                    .filter(|(rel, list)| {
                        let was = if list.is_empty() {
                            p.published.remove(rel)
                        } else {
                            !p.published.insert(rel.clone())
                        };
                        was || !list.is_empty()
                    })
                    .filter_map(|(rel, list)| {
                        Some((uri_of(&snapshot.root, &rel)?, list, snapshot.version(&rel)))
                    })
                    .collect(),
                _ => return,
            }
        };
        // Let go of the snapshot first, so that the next keystroke can move it without a copy.
        drop(snapshot);
        for (uri, diagnostics, version) in send {
            self.client
                .publish_diagnostics(uri, diagnostics, version)
                .await;
        }
    }

    async fn publish(self: &Arc<Self>, project: usize, snapshot: Arc<Snapshot>) {
        let encoding = self.encoding();
        let snap = snapshot.clone();
        let Ok(batches) = self
            .guarded("diagnostics", move || diagnostics(&snap, encoding, None))
            .await
        else {
            return;
        };
        // Drop results a newer generation has overtaken, and clear files that are now clean.
        let stale = {
            let mut state = self.lock();
            match state.projects.get_mut(project) {
                Some(p) if p.generation == snapshot.generation => {
                    let now: HashSet<String> = batches.keys().cloned().collect();
                    let cleared: Vec<String> = p.published.difference(&now).cloned().collect();
                    p.published = now;
                    Some(cleared)
                }
                _ => None,
            }
        };
        let Some(cleared) = stale else {
            return;
        };
        for rel in cleared {
            if let Some(uri) = uri_of(&snapshot.root, &rel) {
                let version = snapshot.version(&rel);
                self.client
                    .publish_diagnostics(uri, Vec::new(), version)
                    .await;
            }
        }
        for (rel, diagnostics) in batches {
            if let Some(uri) = uri_of(&snapshot.root, &rel) {
                let version = snapshot.version(&rel);
                self.client
                    .publish_diagnostics(uri, diagnostics, version)
                    .await;
            }
        }
    }

    /// Indexes a project from disk in the background, reporting progress; a newer run (after a
    /// configuration change) makes this one stop.
    async fn index(self: Arc<Self>, project: usize) {
        let (root, config, run, progress) = {
            let mut state = self.lock();
            let progress = state.caps.progress;
            let open: Vec<String> = state
                .docs
                .values()
                .filter(|d| d.project == project)
                .map(|d| d.rel.clone())
                .collect();
            let Some(p) = state.projects.get_mut(project) else {
                return;
            };
            p.index_run += 1;
            if p.index_run > 1 {
                // A re-index (the index settings changed) starts over, keeping the editor's buffers.
                let mut fresh =
                    workspace::Workspace::new(p.root.clone(), p.workspace.config().clone());
                for rel in &open {
                    if let Some(facts) = p.workspace.facts(rel) {
                        fresh.set_facts(rel, facts.clone());
                    }
                }
                p.workspace = fresh;
                p.generation += 1;
            }
            (
                p.root.clone(),
                p.workspace.config().clone(),
                p.index_run,
                progress,
            )
        };
        self.report_config_problem(project).await;
        let token = NumberOrString::String(format!("backend-brain/index/{project}/{run}"));
        let ongoing = if progress
            && self
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
        {
            Some(
                self.client
                    .progress(token, "Indexing the backend")
                    .with_percentage(0)
                    .begin()
                    .await,
            )
        } else {
            None
        };
        let walk_root = root.clone();
        let walk_config = config.index.clone();
        let found = self
            .guarded("indexing", move || {
                workspace::walk(&walk_root, &walk_config)
            })
            .await
            .unwrap_or_default();
        let total = found.sources.len();
        let mut done = 0;
        for batch in found.sources.chunks(INDEX_BATCH) {
            let batch = batch.to_vec();
            let batch_root = root.clone();
            let max = config.index.max_file_size;
            let results = self
                .guarded("indexing", move || extract_batch(&batch_root, &batch, max))
                .await
                .unwrap_or_default();
            done += results.len().max(1);
            {
                let mut state = self.lock();
                let open: HashSet<String> = state
                    .docs
                    .values()
                    .filter(|d| d.project == project)
                    .map(|d| d.rel.clone())
                    .collect();
                let Some(p) = state.projects.get_mut(project) else {
                    return;
                };
                if p.index_run != run {
                    return;
                }
                for (rel, facts) in results {
                    // The editor's buffer is newer than the disk.
                    if !open.contains(&rel) {
                        p.workspace.set_facts(&rel, Arc::new(facts));
                    }
                }
                p.generation += 1;
            }
            if let Some(o) = &ongoing {
                let percent = (done.min(total) * 100 / total.max(1)) as u32;
                o.report_with_message(format!("{}/{total} files", done.min(total)), percent)
                    .await;
            }
        }
        {
            let mut state = self.lock();
            if let Some(p) = state.projects.get_mut(project) {
                p.workspace.set_templates(found.templates.clone());
                for rel in &found.configs {
                    if let Ok(text) = std::fs::read_to_string(root.join(rel)) {
                        let _ = p.workspace.set_resolution_config(rel, &text);
                    }
                }
                // Migrations and Prisma schemas: the tables. What they cannot read is shown by
                // the command line; here the rest of each file still counts.
                for rel in &found.schema_files {
                    if let Ok(text) = read_source(&root.join(rel), config.index.max_file_size) {
                        let _ = p.workspace.set_schema_text(rel, &text);
                    }
                }
                p.generation += 1;
            }
        }
        if let Some(o) = ongoing {
            o.finish_with_message(format!("{total} files indexed"))
                .await;
        }
        self.schedule_diagnostics(project);
    }

    /// Tells the user about a bad `backend-brain.toml` or bad settings (defaults apply).
    async fn report_config_problem(&self, project: usize) {
        let Some((root, problem)) = self
            .lock()
            .projects
            .get(project)
            .map(|p| (p.root.clone(), p.config_problem.clone()))
        else {
            return;
        };
        let Some(uri) = uri_of(&root, CONFIG_FILE) else {
            return;
        };
        let Some(message) = problem else {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
            return;
        };
        self.client
            .show_message(MessageType::WARNING, format!("backend-brain: {message}"))
            .await;
        let diagnostic = Diagnostic {
            range: Range::default(),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("backend-brain".into()),
            message,
            ..Default::default()
        };
        self.client
            .publish_diagnostics(uri, vec![diagnostic], None)
            .await;
    }

    /// Everything a read needs: the snapshot, the file's id and text, and the cursor's offset.
    async fn at_position(
        self: &Arc<Self>,
        uri: &Uri,
        position: Position,
    ) -> Result<Option<(Arc<Snapshot>, u32, Rope, u32)>> {
        let Some((snapshot, rel)) = self.snapshot_for(uri).await? else {
            return Ok(None);
        };
        let Some(file) = snapshot.analysis().file_id(&rel) else {
            return Ok(None);
        };
        let Some(rope) = snapshot.rope(&rel) else {
            return Ok(None);
        };
        let Some(offset) = convert::offset(&rope, position, self.encoding()) else {
            return Ok(None);
        };
        Ok(Some((snapshot, file, rope, offset as u32)))
    }

    /// A read that runs a feature on a blocking thread behind the panic boundary.
    async fn read<T, F>(self: &Arc<Self>, what: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Encoding) -> T + Send + 'static,
    {
        let encoding = self.encoding();
        self.guarded(what, move || f(encoding)).await
    }
}

fn extract_batch(root: &std::path::Path, batch: &[String], max: u64) -> Vec<(String, FileFacts)> {
    let work = || -> Vec<(String, FileFacts)> {
        batch
            .par_iter()
            .filter_map(|rel| {
                let facts = read_source(&root.join(rel), max)
                    .and_then(|text| extract_text(rel, &text))
                    .ok()?;
                Some((rel.clone(), facts))
            })
            .collect()
    };
    index_pool().map_or_else(work, |pool| pool.install(work))
}

/// A pool with deep stacks: deeply nested code recurses deeply.
fn index_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(64 * 1024 * 1024)
            .build()
            .ok()
    })
    .as_ref()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

fn uri_of(root: &std::path::Path, rel: &str) -> Option<Uri> {
    Uri::from_file_path(root.join(rel))
}

/// A feature target as an LSP location (the target file's text read through the snapshot).
fn location(snapshot: &Snapshot, target: &Target, encoding: Encoding) -> Option<Location> {
    location_in(snapshot, &mut HashMap::new(), target, encoding)
}

/// [`location`] for many targets: each file's text is read once into `ropes`.
fn location_in(
    snapshot: &Snapshot,
    ropes: &mut HashMap<FileId, Option<Rope>>,
    target: &Target,
    encoding: Encoding,
) -> Option<Location> {
    let rel = snapshot.inventory.files.get(target.file as usize)?;
    let rope = ropes
        .entry(target.file)
        .or_insert_with(|| snapshot.rope(rel))
        .as_ref()?;
    Some(Location::new(
        uri_of(&snapshot.root, rel)?,
        convert::range(rope, target.start as usize, target.end as usize, encoding),
    ))
}

/// The start of a 1-based line of a file under the root (a schema file need not be indexed).
fn line_location(snapshot: &Snapshot, place: &features::LinePlace) -> Option<Location> {
    let start = Position::new(place.line.saturating_sub(1), 0);
    Some(Location::new(
        uri_of(&snapshot.root, &place.path)?,
        Range::new(start, start),
    ))
}

fn severity(s: Severity) -> Option<DiagnosticSeverity> {
    match s {
        Severity::Error => Some(DiagnosticSeverity::ERROR),
        Severity::Warning => Some(DiagnosticSeverity::WARNING),
        Severity::Information => Some(DiagnosticSeverity::INFORMATION),
        Severity::Hint => Some(DiagnosticSeverity::HINT),
        Severity::Off => None,
    }
}

/// Every file's diagnostics, by root-relative path; with `only`, those of these source files.
fn diagnostics(
    snapshot: &Snapshot,
    encoding: Encoding,
    only: Option<&[String]>,
) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    let findings = match only {
        None => snapshot.analysis().diagnostics(),
        Some(rels) => {
            let files = rels
                .iter()
                .filter_map(|rel| snapshot.file_id(rel))
                .collect();
            snapshot.analysis().diagnostics_in(&files)
        }
    };
    for (file, findings) in findings {
        let Some(rel) = snapshot.inventory.files.get(file as usize) else {
            continue;
        };
        let Some(rope) = snapshot.rope(rel) else {
            continue;
        };
        let list: Vec<Diagnostic> = findings
            .iter()
            .map(|f| Diagnostic {
                range: convert::range(
                    &rope,
                    f.target.start as usize,
                    f.target.end as usize,
                    encoding,
                ),
                severity: severity(f.severity),
                code: Some(NumberOrString::String(f.code.to_string())),
                source: Some("backend-brain".into()),
                message: f.message.clone(),
                related_information: (!f.related.is_empty()).then(|| {
                    f.related
                        .iter()
                        .filter_map(|r| {
                            Some(DiagnosticRelatedInformation {
                                location: location(snapshot, &r.target, encoding)?,
                                message: r.message.clone(),
                            })
                        })
                        .collect()
                }),
                ..Default::default()
            })
            .collect();
        out.insert(rel.clone(), list);
    }
    if only.is_some() {
        return out;
    }
    // Rows of the route table document whose route is gone.
    let analysis = snapshot.analysis();
    let severity_setting = snapshot.config.diagnostics.stale_doc;
    if let (Some(text), false) = (
        snapshot.table_text.as_deref(),
        severity_setting == Severity::Off,
    ) {
        let rope = Rope::from_str(text);
        let list: Vec<Diagnostic> = analysis
            .stale_rows()
            .into_iter()
            .map(|row| Diagnostic {
                range: convert::range(&rope, row.start as usize, row.end as usize, encoding),
                severity: severity(severity_setting),
                code: Some(NumberOrString::String(features::STALE_DOC.to_string())),
                source: Some("backend-brain".into()),
                message: analysis.stale_message(row),
                ..Default::default()
            })
            .collect();
        if !list.is_empty() {
            out.insert(snapshot.config.docs.table.clone(), list);
        }
    }
    out
}

/// A feature's file edits as a workspace edit: versioned document changes (so an edit computed
/// for an older version is refused) when the client supports them. `None` when the client
/// cannot apply it (a new file without resource operations).
fn workspace_edit(
    snapshot: &Snapshot,
    edits: &[FileEdit],
    caps: ClientCaps,
    encoding: Encoding,
) -> Option<WorkspaceEdit> {
    let mut operations = Vec::new();
    let mut changes = std::collections::HashMap::new();
    for edit in edits {
        let uri = uri_of(&snapshot.root, &edit.path)?;
        let rope = if edit.create {
            Rope::new()
        } else {
            snapshot.rope(&edit.path)?
        };
        let text_edits: Vec<TextEdit> = edit
            .edits
            .iter()
            .map(|(start, end, text)| TextEdit {
                range: convert::range(&rope, *start as usize, *end as usize, encoding),
                new_text: text.clone(),
            })
            .collect();
        if edit.create {
            if !(caps.document_changes && caps.create_files) {
                return None;
            }
            operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
                CreateFile {
                    uri: uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(true),
                    }),
                    annotation_id: None,
                },
            )));
        }
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version: snapshot.version(&edit.path),
            },
            edits: text_edits.iter().cloned().map(OneOf::Left).collect(),
        }));
        changes.insert(uri, text_edits);
    }
    Some(if caps.document_changes {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..Default::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    })
}

fn symbol_kind(kind: features::SymbolKind) -> SymbolKind {
    match kind {
        features::SymbolKind::Route => SymbolKind::METHOD,
        features::SymbolKind::Event => SymbolKind::EVENT,
        features::SymbolKind::Service => SymbolKind::CLASS,
        features::SymbolKind::EnvVar => SymbolKind::CONSTANT,
        features::SymbolKind::Queue => SymbolKind::OBJECT,
        features::SymbolKind::Job => SymbolKind::FUNCTION,
    }
}

/// Reads the client's capabilities that change what the server sends.
fn client_caps(params: &InitializeParams) -> ClientCaps {
    let caps = &params.capabilities;
    let workspace = caps.workspace.as_ref();
    let edit = workspace.and_then(|w| w.workspace_edit.as_ref());
    ClientCaps {
        watch_files: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
        create_files: edit
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
        progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        show_document: caps
            .window
            .as_ref()
            .and_then(|w| w.show_document.as_ref())
            .is_some_and(|s| s.support),
    }
}

/// UTF-8 when the client offers it (no conversion cost), else UTF-16, which every client knows.
fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

/// The workspace folders, or the root URI of older clients.
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty() {
        if let Some(path) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
            roots.push(path.into_owned());
        }
    }
    roots
}

impl Backend {
    fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

/// Runs a notification's asynchronous tail, keeping the handler itself free of `.await` before
/// its state change.
fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
    tokio::spawn(f);
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        {
            let mut state = self.shared.lock();
            state.encoding = encoding;
            state.caps = client_caps(&params);
            state.settings = settings_of(params.initialization_options.clone());
            for root in roots(&params) {
                state.add_project(root);
            }
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    Encoding::Utf16 => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::INCREMENTAL,
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::SOURCE,
                        ]),
                        ..Default::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![SHOW_HANDLER.to_string()],
                    ..Default::default()
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "backend-brain".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (watch, projects) = {
            let state = self.shared.lock();
            (state.caps.watch_files, state.projects.len())
        };
        if watch {
            let globs = [
                "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}",
                "**/{tsconfig,jsconfig}*.json",
                "**/backend-brain.toml",
                "**/*.md",
            ];
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: globs
                    .iter()
                    .map(|g| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(g.to_string()),
                        kind: None,
                    })
                    .collect(),
            };
            let registration = Registration {
                id: "backend-brain/watched-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self
                .shared
                .client
                .register_capability(vec![registration])
                .await
            {
                self.shared
                    .client
                    .log_message(
                        MessageType::WARNING,
                        format!("file watching unavailable: {e}"),
                    )
                    .await;
            }
        }
        for project in 0..projects {
            spawn(self.shared.clone().index(project));
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        match self
            .shared
            .mutate(|s| s.open(&doc.uri, doc.version, doc.text))
        {
            Ok(Some(project)) => self.shared.schedule_diagnostics(project),
            Ok(None) => {}
            Err(panic) => {
                self.shared
                    .report_failure("opening a document", &panic)
                    .await
            }
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        let applied = self
            .shared
            .mutate(|s| s.change(&doc.uri, doc.version, params.content_changes));
        match applied {
            Ok(Ok((project, None))) => self.shared.schedule_diagnostics(project),
            Ok(Ok((project, Some(snapshot)))) => {
                // Only this document's spans moved: its diagnostics are ready now.
                let edited = snapshot.locate(&doc.uri);
                self.shared.publish_edited(project, snapshot, edited).await
            }
            Ok(Err(message)) => {
                self.shared
                    .client
                    .log_message(MessageType::WARNING, message)
                    .await
            }
            Err(panic) => {
                self.shared
                    .report_failure("applying a change", &panic)
                    .await
            }
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        match self.shared.mutate(|s| s.close(&params.text_document.uri)) {
            Ok(Some(project)) => self.shared.schedule_diagnostics(project),
            Ok(None) => {}
            Err(panic) => {
                self.shared
                    .report_failure("closing a document", &panic)
                    .await
            }
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let applied = self.shared.mutate(|state| {
            let mut touched = HashSet::new();
            let mut reconfigured = HashSet::new();
            for change in params.changes {
                let Some((project, rel)) = state.locate(&change.uri) else {
                    continue;
                };
                if rel == CONFIG_FILE {
                    reconfigured.insert(project);
                } else if !state.is_open(project, &rel) {
                    state.reload_from_disk(project, &rel);
                }
                touched.insert(project);
            }
            (touched, reconfigured)
        });
        let (touched, reconfigured) = match applied {
            Ok(sets) => sets,
            Err(panic) => {
                self.shared
                    .report_failure("reading changed files", &panic)
                    .await;
                return;
            }
        };
        for project in reconfigured {
            self.reconfigure(project).await;
        }
        for project in touched {
            self.shared.schedule_diagnostics(project);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let projects = {
            let mut state = self.shared.lock();
            state.settings = settings_of(Some(params.settings));
            state.projects.len()
        };
        for project in 0..projects {
            self.reconfigure(project).await;
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let line = p.position.line + 1;
        let Some((snapshot, rel)) = self.shared().snapshot_for(&p.text_document.uri).await? else {
            return Ok(None);
        };
        let at = self
            .shared()
            .at_position(&p.text_document.uri, p.position)
            .await?;
        self.shared()
            .read("hover", move |encoding| {
                let markdown = |value| {
                    HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    })
                };
                if let Some((snapshot, file, rope, offset)) = at {
                    let text = rope.to_string();
                    if let Some(card) = snapshot.analysis().hover(file, &text, offset) {
                        return Some(Hover {
                            contents: markdown(card.markdown),
                            range: Some(convert::range(
                                &rope,
                                card.range.0 as usize,
                                card.range.1 as usize,
                                encoding,
                            )),
                        });
                    }
                }
                // A table's definition, in a schema file or a model class.
                let card = snapshot.analysis().table_card_at(&rel, line)?;
                Some(Hover {
                    contents: markdown(card),
                    range: None,
                })
            })
            .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let Some((snapshot, file, rope, offset)) = self
            .shared()
            .at_position(&p.text_document.uri, p.position)
            .await?
        else {
            return Ok(None);
        };
        self.shared()
            .read("definition", move |encoding| {
                let text = rope.to_string();
                let analysis = snapshot.analysis();
                let targets = analysis.definition(file, &text, offset);
                let mut locations: Vec<Location> = targets
                    .iter()
                    .filter_map(|t| location(&snapshot, t, encoding))
                    .collect();
                locations.extend(
                    analysis
                        .table_definitions(file, &text, offset)
                        .iter()
                        .filter_map(|place| line_location(&snapshot, place)),
                );
                (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
            })
            .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let Some((snapshot, file, rope, offset)) = self
            .shared()
            .at_position(&p.text_document.uri, p.position)
            .await?
        else {
            return Ok(None);
        };
        self.shared()
            .read("references", move |encoding| {
                let text = rope.to_string();
                let targets = snapshot.analysis().references(file, &text, offset);
                Some(
                    targets
                        .iter()
                        .filter_map(|t| location(&snapshot, t, encoding))
                        .collect(),
                )
            })
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some((snapshot, file, rope, start)) =
            self.shared().at_position(&uri, params.range.start).await?
        else {
            return Ok(None);
        };
        let encoding = self.shared.encoding();
        let end = convert::offset(&rope, params.range.end, encoding).unwrap_or(start as usize);
        let caps = self.shared.lock().caps;
        let only = params.context.only;
        let diagnostics = params.context.diagnostics;
        self.shared()
            .read("code actions", move |encoding| {
                let text = rope.to_string();
                let actions = snapshot.analysis().code_actions(
                    file,
                    &text,
                    start,
                    end as u32,
                    snapshot.table_text.as_deref(),
                );
                let response: Vec<CodeActionOrCommand> = actions
                    .into_iter()
                    .filter_map(|a| {
                        let kind = match a.kind {
                            ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                            ActionKind::Source => CodeActionKind::SOURCE,
                        };
                        if let Some(only) = &only {
                            if !only.iter().any(|o| kind.as_str().starts_with(o.as_str())) {
                                return None;
                            }
                        }
                        let fixes: Vec<Diagnostic> = diagnostics
                            .iter()
                            .filter(|d| {
                                a.fixes.is_some_and(|code| {
                                    d.code == Some(NumberOrString::String(code.into()))
                                })
                            })
                            .cloned()
                            .collect();
                        Some(CodeActionOrCommand::CodeAction(CodeAction {
                            title: a.title,
                            kind: Some(kind),
                            diagnostics: (!fixes.is_empty()).then_some(fixes),
                            edit: Some(workspace_edit(&snapshot, &a.edits, caps, encoding)?),
                            ..Default::default()
                        }))
                    })
                    .collect();
                Some(response)
            })
            .await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some((snapshot, rel)) = self
            .shared()
            .snapshot_for(&params.text_document.uri)
            .await?
        else {
            return Ok(None);
        };
        self.shared()
            .read("code lenses", move |encoding| {
                let analysis = snapshot.analysis();
                let file = analysis.file_id(&rel)?;
                let rope = snapshot.rope(&rel)?;
                let lenses = analysis
                    .code_lenses(file)
                    .into_iter()
                    .map(|lens| {
                        let target = lens.handler.and_then(|t| location(&snapshot, &t, encoding));
                        CodeLens {
                            range: convert::range(
                                &rope,
                                lens.at.start as usize,
                                lens.at.end as usize,
                                encoding,
                            ),
                            command: Some(Command {
                                title: lens.title,
                                command: if target.is_some() {
                                    SHOW_HANDLER.to_string()
                                } else {
                                    String::new()
                                },
                                arguments: target
                                    .and_then(|t| Some(vec![serde_json::to_value(t).ok()?])),
                            }),
                            data: None,
                        }
                    })
                    .collect();
                Some(lenses)
            })
            .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != SHOW_HANDLER {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let target: Location = params
            .arguments
            .into_iter()
            .next()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| Error::invalid_params("expected a location argument"))?;
        if !self.shared.lock().caps.show_document {
            return Err(Error::invalid_request());
        }
        let shown = self
            .shared
            .client
            .show_document(ShowDocumentParams {
                uri: target.uri,
                external: Some(false),
                take_focus: Some(true),
                selection: Some(target.range),
            })
            .await?;
        Ok(Some(Value::Bool(shown)))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let projects = self.shared.lock().projects.len();
        let mut symbols = Vec::new();
        for project in 0..projects {
            let snapshot = self.shared.snapshot(project).await?;
            let query = params.query.clone();
            let found = self
                .shared()
                .read("workspace symbols", move |encoding| {
                    let mut ropes = HashMap::new();
                    snapshot
                        .symbols()
                        .search(&query)
                        .into_iter()
                        .filter_map(|s| {
                            Some(WorkspaceSymbol {
                                name: s.name,
                                kind: symbol_kind(s.kind),
                                tags: None,
                                container_name: s.detail,
                                location: OneOf::Left(location_in(
                                    &snapshot,
                                    &mut ropes,
                                    &s.selection,
                                    encoding,
                                )?),
                                data: None,
                            })
                        })
                        .chain(
                            snapshot
                                .analysis()
                                .table_symbols(&query)
                                .into_iter()
                                .filter_map(|t| {
                                    Some(WorkspaceSymbol {
                                        name: t.name,
                                        kind: SymbolKind::STRUCT,
                                        tags: None,
                                        container_name: Some(t.detail),
                                        location: OneOf::Left(line_location(&snapshot, &t.place)?),
                                        data: None,
                                    })
                                }),
                        )
                        .collect::<Vec<_>>()
                })
                .await?;
            symbols.extend(found);
        }
        Ok(Some(WorkspaceSymbolResponse::Nested(symbols)))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some((snapshot, rel)) = self
            .shared()
            .snapshot_for(&params.text_document.uri)
            .await?
        else {
            return Ok(None);
        };
        self.shared()
            .read("document symbols", move |encoding| {
                let analysis = snapshot.analysis();
                let file = analysis.file_id(&rel)?;
                let rope = snapshot.rope(&rel)?;
                let range =
                    |t: &Target| convert::range(&rope, t.start as usize, t.end as usize, encoding);
                #[allow(deprecated)]
                let symbols = analysis
                    .document_symbols(file)
                    .into_iter()
                    .map(|s| DocumentSymbol {
                        name: s.name,
                        detail: s.detail,
                        kind: symbol_kind(s.kind),
                        tags: None,
                        deprecated: None,
                        range: range(&s.range),
                        selection_range: range(&s.selection),
                        children: None,
                    })
                    .collect();
                Some(DocumentSymbolResponse::Nested(symbols))
            })
            .await
    }
}

impl Backend {
    /// Applies new settings to a project: diagnostics again, and a re-index when what is
    /// indexed changed.
    async fn reconfigure(&self, project: usize) {
        let reindex = self.shared.lock().reload_config(project);
        self.shared.report_config_problem(project).await;
        if reindex {
            spawn(self.shared.clone().index(project));
        } else {
            self.shared.schedule_diagnostics(project);
        }
    }
}
