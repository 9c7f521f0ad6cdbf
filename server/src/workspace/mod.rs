//! The workspace: every indexed file's facts, and the engine API the CLI and the language server
//! share. Changing one file re-extracts that file only; a snapshot resolves across all of them.

pub mod config;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use config::{Config, CONFIG_FILE};
pub use walk::{is_resolution_config, is_test_path, walk, Found};

use crate::architecture::lockfile::Lockfile;
use crate::architecture::stack::Manifest;
use crate::facts::{self, FileFacts};
use crate::inventory::{self, Inventory};
use crate::resolve::modules::{ModuleResolver, Package, TsConfig};
use crate::resolve::{self, SourceFile};
use crate::schema::{self, SchemaFacts};
use crate::syntax::{self, Grammar};

/// Index of a file in a workspace (and in the inventory built from it).
pub type FileId = u32;

/// Something that went wrong with one file or setting; the rest is still indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Cheap to clone: facts are shared, so a snapshot can be resolved off the editor's thread.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
    config: Config,
    /// Facts by root-relative path; sorted so that file ids are stable.
    files: std::collections::BTreeMap<String, Arc<FileFacts>>,
    tsconfigs: HashMap<String, TsConfig>,
    packages: HashMap<String, Package>,
    /// Parsed schema files (SQL migrations, Prisma schemas) by root-relative path.
    schema_files: std::collections::BTreeMap<String, Arc<SchemaFacts>>,
    /// Every `package.json`, for the technology stack, by root-relative path.
    manifests: std::collections::BTreeMap<String, Arc<Manifest>>,
    /// Lockfiles by root-relative path (one that could not be read keeps its error).
    lockfiles: std::collections::BTreeMap<String, Arc<Lockfile>>,
    /// Notification template files that are not source, by root-relative path.
    templates: std::collections::BTreeSet<String>,
}

/// Why a root cannot be indexed at all.
#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    NotADirectory(PathBuf),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "{}: no such directory", p.display()),
            LoadError::NotADirectory(p) => write!(f, "{}: not a directory", p.display()),
        }
    }
}

impl Workspace {
    /// An empty workspace at `root` (for the language server, which fills it as it indexes).
    pub fn new(root: PathBuf, config: Config) -> Self {
        Workspace {
            root,
            config,
            files: Default::default(),
            tsconfigs: HashMap::new(),
            packages: HashMap::new(),
            schema_files: Default::default(),
            manifests: Default::default(),
            lockfiles: Default::default(),
            templates: Default::default(),
        }
    }

    /// Reads `backend-brain.toml` at `root`, if any: defaults and a problem when it is bad.
    pub fn read_config(root: &Path) -> (Config, Option<Problem>) {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Err(_) => (Config::default(), None),
            Ok(text) => match Config::parse(&text) {
                Ok(c) => (c, None),
                Err(message) => (
                    Config::default(),
                    Some(Problem {
                        path: String::new(),
                        message: format!("{message} (using defaults)"),
                    }),
                ),
            },
        }
    }

    /// Walks `root` and indexes every source file in parallel.
    pub fn load(root: &Path, config: Config) -> Result<(Workspace, Vec<Problem>), LoadError> {
        Self::load_with_progress(root, config, &|_, _| {})
    }

    /// [`Workspace::load`], calling `progress(done, total)` as files are indexed (from any
    /// thread), so that a front-end can show how far it is.
    pub fn load_with_progress(
        root: &Path,
        config: Config,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(Workspace, Vec<Problem>), LoadError> {
        if !root.exists() {
            return Err(LoadError::NotFound(root.to_path_buf()));
        }
        if !root.is_dir() {
            return Err(LoadError::NotADirectory(root.to_path_buf()));
        }
        let found = walk::walk(root, &config.index);
        Ok(Self::load_found(root, config, found, progress))
    }

    /// Indexes the files a [`walk`] found. Files may have changed since the walk: one that is
    /// gone or unreadable by now is a problem, the rest is indexed.
    pub fn load_found(
        root: &Path,
        config: Config,
        found: Found,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> (Workspace, Vec<Problem>) {
        let mut problems: Vec<Problem> = found
            .problems
            .iter()
            .map(|m| Problem {
                path: String::new(),
                message: m.clone(),
            })
            .collect();
        let max_size = config.index.max_file_size;
        let total = found.sources.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        progress(0, total);
        let index_all = || -> Vec<(String, Result<FileFacts, String>)> {
            found
                .sources
                .par_iter()
                .map(|rel| {
                    let facts = read_source(&root.join(rel), max_size)
                        .and_then(|text| extract_text(rel, &text));
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress(n, total);
                    (rel.clone(), facts)
                })
                .collect()
        };
        // Deeply nested code needs deep stacks; fall back to the global pool if one cannot be had.
        let results = match rayon::ThreadPoolBuilder::new()
            .stack_size(64 * 1024 * 1024)
            .build()
        {
            Ok(pool) => pool.install(index_all),
            Err(_) => index_all(),
        };
        let mut ws = Workspace::new(root.to_path_buf(), config);
        for (rel, result) in results {
            match result {
                Ok(facts) => {
                    if let Some(at) = facts.syntax_error {
                        problems.push(Problem {
                            path: rel.clone(),
                            message: format!(
                                "syntax error at {}:{}; indexed as far as it could be read",
                                at.line + 1,
                                at.col + 1
                            ),
                        });
                    }
                    ws.files.insert(rel, Arc::new(facts));
                }
                Err(message) => problems.push(Problem { path: rel, message }),
            }
        }
        for rel in found.schema_files {
            match read_source(&root.join(&rel), max_size) {
                Ok(text) => problems.extend(ws.set_schema_text(&rel, &text)),
                Err(message) => problems.push(Problem { path: rel, message }),
            }
        }
        ws.set_templates(found.templates);
        for rel in found.configs {
            match std::fs::read_to_string(root.join(&rel)) {
                Ok(text) => ws
                    .set_resolution_config(&rel, &text)
                    .err()
                    .into_iter()
                    .for_each(|message| {
                        problems.push(Problem {
                            path: rel.clone(),
                            message,
                        })
                    }),
                Err(e) => problems.push(Problem {
                    path: rel,
                    message: e.to_string(),
                }),
            }
        }
        (ws, problems)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// Whether a root-relative path is one this workspace indexes.
    pub fn wants(&self, rel: &str) -> bool {
        (Grammar::for_path(Path::new(rel)).is_some() || schema::is_schema_path(rel))
            && (self.config.index.include_tests || !is_test_path(rel))
    }

    /// Sets one file's facts (from an editor buffer or a re-read).
    pub fn set_facts(&mut self, rel: &str, facts: Arc<FileFacts>) {
        self.files.insert(rel.to_string(), facts);
    }

    /// Replaces a file's facts and, when the new facts are congruent with the old, moves
    /// `inventory` — which must have been built from this workspace as it was — along the edit
    /// instead of resolving again. `false` when that was not possible: `inventory` is then
    /// unusable and the caller resolves afresh.
    pub fn set_facts_following(
        &mut self,
        rel: &str,
        facts: Arc<FileFacts>,
        inventory: &mut Inventory,
    ) -> bool {
        let moves = self
            .files
            .get(rel)
            .and_then(|old| crate::facts::congruent(old, &facts));
        self.set_facts(rel, facts);
        let (Some(moves), Some(file)) = (moves, inventory.files.iter().position(|f| f == rel))
        else {
            return false;
        };
        // The paths are read while the rest of the inventory moves.
        let paths = std::mem::take(&mut inventory.files);
        let followed = inventory::follow(
            inventory,
            &inventory::FileMoves {
                file: file as FileId,
                moves: &moves,
            },
            &|id| {
                paths
                    .get(id as usize)
                    .and_then(|p| self.files.get(p))
                    .map(Arc::as_ref)
            },
        );
        inventory.files = paths;
        followed
    }

    /// Re-extracts one file from its text (a schema file is re-parsed; what it could not read
    /// is not an error here, see [`Workspace::set_schema_text`]).
    pub fn set_text(&mut self, rel: &str, text: &str) -> Result<(), String> {
        if Grammar::for_path(Path::new(rel)).is_none() && schema::is_schema_path(rel) {
            self.set_schema_text(rel, text);
            return Ok(());
        }
        let facts = extract_text(rel, text)?;
        self.set_facts(rel, Arc::new(facts));
        Ok(())
    }

    /// Reads a tsconfig/jsconfig, a package.json or a lockfile (see [`is_resolution_config`]).
    /// A lockfile that cannot be read is kept with its error, which is also returned.
    pub fn set_resolution_config(&mut self, rel: &str, text: &str) -> Result<(), String> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if crate::architecture::lockfile::is_lockfile(name) {
            let lockfile = Lockfile::parse(rel, text);
            let error = lockfile.error.clone();
            self.lockfiles.insert(rel.to_string(), Arc::new(lockfile));
            return match error {
                Some(e) => Err(format!("lockfile could not be read: {e}")),
                None => Ok(()),
            };
        }
        if rel == "package.json" || rel.ends_with("/package.json") {
            self.packages.remove(rel);
            self.manifests.remove(rel);
            if let Ok(manifest) = Manifest::parse(rel, text) {
                self.manifests.insert(rel.to_string(), Arc::new(manifest));
            }
            if let Some(package) = Package::parse(rel, text)? {
                self.packages.insert(rel.to_string(), package);
            }
        } else {
            let config = TsConfig::parse(rel, text)?;
            self.tsconfigs.insert(rel.to_string(), config);
        }
        Ok(())
    }

    /// Re-parses one schema file; returns what in it could not be read (the rest still counts).
    pub fn set_schema_text(&mut self, rel: &str, text: &str) -> Vec<Problem> {
        let facts = schema::parse_schema_file(rel, text);
        let problems = facts
            .problems()
            .iter()
            .map(|p| Problem {
                path: rel.to_string(),
                message: format!("line {}: {}", p.line, p.message),
            })
            .collect();
        self.schema_files.insert(rel.to_string(), Arc::new(facts));
        problems
    }

    /// Replaces the list of notification template files (from a walk).
    pub fn set_templates(&mut self, templates: Vec<String>) {
        self.templates = templates.into_iter().collect();
    }

    pub fn schema_facts(&self, rel: &str) -> Option<&Arc<SchemaFacts>> {
        self.schema_files.get(rel)
    }

    pub fn remove(&mut self, rel: &str) {
        self.files.remove(rel);
        self.tsconfigs.remove(rel);
        self.packages.remove(rel);
        self.schema_files.remove(rel);
        self.manifests.remove(rel);
        self.lockfiles.remove(rel);
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    pub fn facts(&self, rel: &str) -> Option<&Arc<FileFacts>> {
        self.files.get(rel)
    }

    /// Resolves across all files into an immutable inventory.
    pub fn inventory(&self) -> Inventory {
        let entries: Vec<(&str, &FileFacts)> = self
            .files
            .iter()
            .map(|(p, f)| (p.as_str(), f.as_ref()))
            .collect();
        let configs: Vec<TsConfig> = self.tsconfigs.values().cloned().collect();
        let modules = ModuleResolver::new(
            entries
                .iter()
                .enumerate()
                .map(|(i, (p, _))| (p.to_string(), i as FileId)),
            &configs,
            &self.packages.values().cloned().collect::<Vec<_>>(),
        );
        let extra_auth = self.config.auth.middleware.clone();
        let options = resolve::ResolveOptions {
            route_wrappers: self.config.route_wrappers.clone(),
            integrations: self.config.integrations.clone(),
        };
        let stack = crate::architecture::stack::derive(
            &self.manifests.values().map(Arc::as_ref).collect::<Vec<_>>(),
            &self.lockfiles.values().map(Arc::as_ref).collect::<Vec<_>>(),
            &self.config.stack.layers,
        );
        // Email components written in TypeScript are source files in a templates folder.
        let templates: Vec<String> = self
            .templates
            .iter()
            .chain(self.files.keys())
            .filter(|p| crate::frameworks::notifications::is_template_path(p))
            .cloned()
            .collect();
        let schema_entries: Vec<(&str, &SchemaFacts)> = self
            .schema_files
            .iter()
            .map(|(p, f)| (p.as_str(), f.as_ref()))
            .collect();
        // Resolution recurses through user code; give it a deep stack of its own.
        std::thread::scope(|scope| {
            let handle = std::thread::Builder::new()
                .stack_size(256 * 1024 * 1024)
                .spawn_scoped(scope, || {
                    let sources: Vec<SourceFile<'_>> = entries
                        .iter()
                        .map(|(path, facts)| SourceFile { path, facts })
                        .collect();
                    let resolution = resolve::resolve(&sources, &modules, &options);
                    let mut inv = inventory::build(&resolution, &entries, &extra_auth);
                    inv.tables = schema::tables(&schema_entries, &entries);
                    inventory::link(&mut inv, &resolution, &entries);
                    inventory::link_effects(
                        &mut inv,
                        &resolution,
                        &entries,
                        &self.config,
                        &templates,
                    );
                    crate::architecture::apply(&mut inv, &resolution, &entries, stack);
                    inv
                });
            match handle {
                Ok(h) => h.join().unwrap_or_default(),
                Err(_) => Inventory::default(),
            }
        })
    }
}

/// Parses and extracts one file's text.
pub fn extract_text(rel: &str, text: &str) -> Result<FileFacts, String> {
    let grammar = Grammar::for_path(Path::new(rel))
        .ok_or_else(|| "not a TypeScript or JavaScript file".to_string())?;
    let tree =
        syntax::parse(grammar, text, None).ok_or_else(|| "could not be parsed".to_string())?;
    Ok(facts::extract(&tree, text))
}

/// The real path of `rel` under `root` when it is inside the workspace: a symbolic link (or a
/// `..`) leading out of it is not followed, so nothing outside the workspace is read.
pub fn path_inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let real = root.join(rel).canonicalize().ok()?;
    let real_root = root.canonicalize().ok()?;
    real.starts_with(&real_root).then_some(real)
}

/// Reads a text file of the workspace (see [`path_inside`]).
pub fn read_inside(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(path_inside(root, rel)?).ok()
}

/// Reads a source file, refusing what is not source text: too large, binary, not UTF-8.
pub fn read_source(path: &Path, max_size: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > max_size {
        return Err(format!(
            "skipped: {} bytes is over the {max_size}-byte limit",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("skipped: binary file".to_string());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "skipped: not valid UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}
