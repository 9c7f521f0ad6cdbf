//! The document and the gate: `generate` (BACKEND_BRAIN.md), `check` (findings for CI) and
//! `export` (OpenAPI, AsyncAPI), over the same loaded workspace as the other commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::{load, Source, OK, USAGE_OR_IO};
use crate::document;

/// Exit code: `check` found something, or `generate --check` found the document out of date.
pub const FINDINGS: u8 = 1;

/// How `check` prints its findings.
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

/// What `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// OpenAPI 3.1: paths, methods, path parameters, summaries, security, tags.
    Openapi,
    /// AsyncAPI 3.0: a channel per namespace, send and receive operations per event.
    Asyncapi,
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
}

pub fn generate(
    root: PathBuf,
    output: Option<PathBuf>,
    check: bool,
    include_tests: bool,
    quiet: bool,
) -> u8 {
    let loaded = match load(
        &Source {
            root: root.clone(),
            include_tests,
        },
        quiet,
    ) {
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
                return USAGE_OR_IO;
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
        return OK;
    }
    if check {
        let name = output.display().to_string();
        return match previous {
            // A checkout with CRLF line endings (git's autocrlf) is still current.
            Some(old) if old == text || old.replace("\r\n", "\n") == text => OK,
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
                FINDINGS
            }
            None => {
                eprintln!(
                    "backend-brain: {name} does not exist; run `backend-brain generate` and commit it"
                );
                FINDINGS
            }
        };
    }
    if previous.as_deref() == Some(text.as_str()) {
        return OK;
    }
    match std::fs::write(&output, &text) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("backend-brain: cannot write {}: {e}", output.display());
            USAGE_OR_IO
        }
    }
}

pub fn check(
    quiet: bool,
    root: PathBuf,
    format: Format,
    changed_since: Option<String>,
    kinds: Vec<String>,
    include_tests: bool,
) -> u8 {
    let loaded = match load(
        &Source {
            root: root.clone(),
            include_tests,
        },
        quiet,
    ) {
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
        return USAGE_OR_IO;
    }
    let changed = match changed_since.as_deref().map(|r| changed_files(&root, r)) {
        None => None,
        Some(Ok(files)) => Some(files),
        Some(Err(e)) => {
            eprintln!("backend-brain: --changed-since: {e}");
            return USAGE_OR_IO;
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
        OK
    } else {
        if format != Format::Json && format != Format::Sarif {
            eprintln!(
                "backend-brain: {} finding{}",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" }
            );
        }
        FINDINGS
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

pub fn export(kind: ExportKind, root: PathBuf, include_tests: bool, quiet: bool) -> u8 {
    let loaded = match load(
        &Source {
            root: root.clone(),
            include_tests,
        },
        quiet,
    ) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let info = api_info(&root);
    let doc = match kind {
        ExportKind::Openapi => crate::export::openapi(&loaded.analysis(), &info),
        ExportKind::Asyncapi => crate::export::asyncapi(&loaded.analysis(), &info),
    };
    print(&pretty(&doc));
    OK
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
        // A repository's own config can name programs for git to run (core.fsmonitor is run
        // by any command that refreshes the index); the checkout is not trusted to do that.
        let out = std::process::Command::new("git")
            .args(["-c", "core.fsmonitor=false"])
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
