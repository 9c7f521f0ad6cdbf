//! The command line: a thin front-end over the workspace engine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::document;
use crate::features::{Analysis, DocsTable};
use crate::inventory::{render_table, Inventory};
use crate::workspace::{Config, Workspace};

#[derive(Parser, Debug)]
#[command(
    name = "backend-brain",
    version,
    about = "A live inventory of a TypeScript backend: routes, middleware, auth, Socket.IO events"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lists every HTTP route and Socket.IO event of the backend under ROOT.
    #[command(
        after_help = "Examples:\n  backend-brain inventory fixtures/showcase\n  backend-brain inventory . --json > inventory.json"
    )]
    Inventory {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Print one JSON object (the stable, documented contract) instead of a table.
        #[arg(long)]
        json: bool,
        /// Also index test code (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`, ...).
        #[arg(long)]
        include_tests: bool,
    },
    /// Writes BACKEND_BRAIN.md: the routes, Socket.IO events and middleware of the backend
    /// under ROOT, with the Description column and kept text of the previous version carried
    /// over.
    #[command(
        after_help = "Examples:\n  backend-brain generate\n  backend-brain generate fixtures/showcase --check\n  backend-brain generate . -o docs/BACKEND_BRAIN.md\n\nExit codes: 0 written (or current, with --check), 1 not current (--check), 2 usage or I/O error."
    )]
    Generate {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Where to write the document (`-` for stdout). Default: ROOT/BACKEND_BRAIN.md, or the
        /// `[docs] table` of backend-brain.toml.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write nothing; exit 1 and print a unified diff when the file differs from what would
        /// be written.
        #[arg(long)]
        check: bool,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Reports undocumented routes and rows of BACKEND_BRAIN.md whose route is gone (the language
    /// server's diagnostics), and exits 1 when there are any.
    #[command(
        after_help = "Examples:\n  backend-brain check\n  backend-brain check . --format github\n  backend-brain check . --format sarif > backend-brain.sarif\n  backend-brain check . --changed-since origin/main\n\nExit codes: 0 no findings, 1 findings, 2 usage or I/O error (also: not a git repository, unknown ref)."
    )]
    Check {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Only findings in files changed since this git ref (`git diff --name-only REF`, plus
        /// untracked files); a stale row counts as a finding in the route table document.
        #[arg(long, value_name = "REF")]
        changed_since: Option<String>,
        /// The finding codes to report and fail on (repeatable). Default: `[check] kinds` of
        /// backend-brain.toml, or undocumented-route and stale-doc.
        #[arg(long = "kind", value_name = "CODE")]
        kinds: Vec<String>,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Prints the routes as OpenAPI 3.1, or the Socket.IO events as AsyncAPI 3.0 (JSON).
    #[command(
        after_help = "Examples:\n  backend-brain export openapi > openapi.json\n  backend-brain export asyncapi fixtures/showcase > asyncapi.json"
    )]
    Export {
        #[arg(value_enum)]
        kind: ExportKind,
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Serves the Language Server Protocol over stdin and stdout, for editors.
    Lsp {
        /// Accepted for clients that pass it (VS Code does); stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col: code: subject`, one per line.
    Text,
    /// One JSON object: `{"findings": [...], "counts": {...}}`.
    Json,
    /// GitHub Actions workflow commands, shown as annotations on the pull request.
    Github,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// OpenAPI 3.1: paths, methods, path parameters, summaries, security, tags.
    Openapi,
    /// AsyncAPI 3.0: a channel per namespace, send and receive operations per event.
    Asyncapi,
}

/// Runs the command line; the exit code is 0 on success, 1 when a check finds something, and 2
/// for usage or I/O errors.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Inventory {
            root,
            json,
            include_tests,
        } => inventory(root, json, include_tests),
        Command::Generate {
            root,
            output,
            check,
            include_tests,
        } => generate(root, output, check, include_tests),
        Command::Check {
            root,
            format,
            changed_since,
            kinds,
            include_tests,
        } => check(root, format, changed_since, kinds, include_tests),
        Command::Export {
            kind,
            root,
            include_tests,
        } => export(kind, root, include_tests),
        Command::Lsp { stdio: _ } => crate::lsp::run_stdio(),
    }
}

/// The workspace under ROOT, loaded and resolved, with its route table document.
pub(crate) struct Loaded {
    pub config: Config,
    pub inventory: Inventory,
    /// The text of the configured route table document, `None` when it does not exist.
    pub table_text: Option<String>,
    pub table: DocsTable,
}

impl Loaded {
    pub fn analysis(&self) -> Analysis<'_> {
        Analysis::new(&self.inventory, &self.table, &self.config)
    }
}

/// Loads ROOT, reporting problems with single files on stderr; `Err` is the exit code.
pub(crate) fn load(root: &Path, include_tests: bool) -> Result<Loaded, ExitCode> {
    let (mut config, config_problem) = Workspace::read_config(root);
    if let Some(p) = config_problem {
        eprintln!("backend-brain: {p}");
    }
    config.index.include_tests |= include_tests;
    let (workspace, problems) = match Workspace::load(root, config.clone()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("backend-brain: {e}");
            return Err(ExitCode::from(2));
        }
    };
    for p in &problems {
        eprintln!("backend-brain: {p}");
    }
    let table_text = std::fs::read_to_string(root.join(&config.docs.table)).ok();
    let table = table_text
        .as_deref()
        .map(DocsTable::parse)
        .unwrap_or_default();
    Ok(Loaded {
        config,
        inventory: workspace.inventory(),
        table_text,
        table,
    })
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
}

fn generate(root: PathBuf, output: Option<PathBuf>, check: bool, include_tests: bool) -> ExitCode {
    let loaded = match load(&root, include_tests) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let output = output.unwrap_or_else(|| root.join(&loaded.config.docs.table));
    let to_stdout = output.as_os_str() == "-";
    let previous = if to_stdout {
        loaded.table_text.clone()
    } else {
        match std::fs::read_to_string(&output) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                eprintln!("backend-brain: cannot read {}: {e}", output.display());
                return ExitCode::from(2);
            }
        }
    };
    let options = document::Options {
        link_prefix: if to_stdout {
            Some(String::new())
        } else {
            link_prefix(&root, &output)
        },
    };
    let text = document::generate(&loaded.analysis(), previous.as_deref(), &options);
    if to_stdout {
        print(&text);
        return ExitCode::SUCCESS;
    }
    if check {
        let name = output.display().to_string();
        return match previous {
            // A checkout with CRLF line endings (git's autocrlf) is still current.
            Some(old) if old == text || old.replace("\r\n", "\n") == text => ExitCode::SUCCESS,
            Some(old) => {
                let diff = similar::TextDiff::from_lines(&old, &text)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("{name} (on disk)"), &format!("{name} (generated)"))
                    .to_string();
                print(&diff);
                eprintln!(
                    "backend-brain: {name} is not current; run `backend-brain generate` and commit it"
                );
                ExitCode::from(1)
            }
            None => {
                eprintln!(
                    "backend-brain: {name} does not exist; run `backend-brain generate` and commit it"
                );
                ExitCode::from(1)
            }
        };
    }
    if previous.as_deref() == Some(text.as_str()) {
        return ExitCode::SUCCESS;
    }
    match std::fs::write(&output, &text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backend-brain: cannot write {}: {e}", output.display());
            ExitCode::from(2)
        }
    }
}

fn check(
    root: PathBuf,
    format: Format,
    changed_since: Option<String>,
    kinds: Vec<String>,
    include_tests: bool,
) -> ExitCode {
    let loaded = match load(&root, include_tests) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let kinds: std::collections::BTreeSet<String> = if kinds.is_empty() {
        loaded.config.check.kinds.iter().cloned().collect()
    } else {
        kinds.into_iter().collect()
    };
    if let Some(bad) = kinds
        .iter()
        .find(|k| !crate::features::CODES.contains(&k.as_str()))
    {
        eprintln!(
            "backend-brain: unknown finding kind `{bad}`; the kinds are {}",
            crate::features::CODES.join(", ")
        );
        return ExitCode::from(2);
    }
    let changed = match changed_since.as_deref().map(|r| changed_files(&root, r)) {
        None => None,
        Some(Ok(files)) => Some(files),
        Some(Err(e)) => {
            eprintln!("backend-brain: --changed-since: {e}");
            return ExitCode::from(2);
        }
    };
    let text_of = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let mut findings = crate::check::findings(&loaded.analysis(), &kinds, &text_of);
    if let Some(changed) = &changed {
        findings.retain(|f| changed.contains(&f.path));
    }
    // Paths as they are opened from the working directory (where CI runs), not from ROOT.
    for f in &mut findings {
        f.path = from_cwd(&root, &f.path);
    }
    let out = match format {
        Format::Text => crate::check::text(&findings),
        Format::Github => crate::check::github(&findings),
        Format::Json => pretty(&crate::check::json(&findings)),
        Format::Sarif => pretty(&crate::check::sarif(&findings, &kinds)),
    };
    print(&out);
    if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        if format != Format::Json && format != Format::Sarif {
            eprintln!(
                "backend-brain: {} finding{}",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" }
            );
        }
        ExitCode::from(1)
    }
}

/// `ROOT/rel`, without a leading `./`, `/`-separated.
fn from_cwd(root: &Path, rel: &str) -> String {
    let root = root.to_string_lossy().replace('\\', "/");
    let root = root.trim_start_matches("./").trim_end_matches('/');
    if root.is_empty() || root == "." {
        rel.to_string()
    } else {
        format!("{root}/{rel}")
    }
}

fn export(kind: ExportKind, root: PathBuf, include_tests: bool) -> ExitCode {
    let loaded = match load(&root, include_tests) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let info = api_info(&root);
    let doc = match kind {
        ExportKind::Openapi => crate::export::openapi(&loaded.analysis(), &info),
        ExportKind::Asyncapi => crate::export::asyncapi(&loaded.analysis(), &info),
    };
    print(&pretty(&doc));
    ExitCode::SUCCESS
}

/// The name and version of package.json at ROOT, else the folder's name and 0.0.0.
fn api_info(root: &Path) -> crate::export::Info {
    let package: serde_json::Value = std::fs::read_to_string(root.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let folder = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "backend".into());
    crate::export::Info {
        title: package["name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(folder),
        version: package["version"].as_str().unwrap_or("0.0.0").to_string(),
    }
}

fn pretty(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// Root-relative paths of the files changed since `reference`: `git diff --name-only --relative
/// REF` (committed and uncommitted changes) and untracked files, both run in ROOT.
fn changed_files(
    root: &Path,
    reference: &str,
) -> Result<std::collections::BTreeSet<String>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut files: std::collections::BTreeSet<String> = git(&[
        "diff",
        "--name-only",
        "--relative",
        "--no-renames",
        reference,
        "--",
    ])?
    .lines()
    .map(str::to_string)
    .collect();
    files.extend(
        git(&["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(str::to_string),
    );
    Ok(files)
}

/// The way from the document's folder back to ROOT (`""`, `"../"`, ...), when the document is
/// inside ROOT; links from elsewhere would not resolve, so there are none.
fn link_prefix(root: &Path, output: &Path) -> Option<String> {
    let root = root.canonicalize().ok()?;
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = dir.canonicalize().ok()?;
    let below = dir.strip_prefix(&root).ok()?;
    Some("../".repeat(below.components().count()))
}

fn inventory(root: PathBuf, json: bool, include_tests: bool) -> ExitCode {
    let inventory = match load(&root, include_tests) {
        Ok(l) => l.inventory,
        Err(code) => return code,
    };
    let text = if json {
        let mut s = serde_json::to_string_pretty(&inventory.to_json()).unwrap_or_default();
        s.push('\n');
        s
    } else {
        render_table(&inventory)
    };
    print(&text);
    ExitCode::SUCCESS
}
