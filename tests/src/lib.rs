//! Helpers shared by the end-to-end tests: where the built `backend-brain` binary is, how to run
//! it, and where the repository's fixtures and JSON Schema live.
//!
//! The tests drive the binary exactly as a user or a tool would: arguments in, stdout, stderr and
//! an exit code out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The binary's file name on this platform.
fn binary_name() -> String {
    format!("backend-brain{}", std::env::consts::EXE_SUFFIX)
}

/// The repository root (the workspace that holds `server/`, `tests/`, `fixtures/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `fixtures/` at the repository root.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("fixtures")
}

/// `docs/inventory.schema.json`, parsed.
pub fn inventory_schema() -> serde_json::Value {
    let path = repo_root().join("docs/inventory.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The profile folder the running test executable was built into (`target/debug`, or
/// `target/<triple>/release`, ...): the test executable lives in its `deps/` folder.
fn profile_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    if deps.file_name()? == "deps" {
        deps.parent().map(Path::to_path_buf)
    } else {
        Some(deps.to_path_buf())
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether the binary is older than the newest build of the engine library next to it, which
/// happens when only this crate was rebuilt (`cargo test -p backend-brain-e2e`) after a change.
fn is_stale(binary: &Path, profile: &Path) -> bool {
    let Some(built) = modified(binary) else {
        return true;
    };
    let Ok(entries) = std::fs::read_dir(profile.join("deps")) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libbackend_brain-")
            && name.ends_with(".rlib")
            && modified(&e.path()).is_some_and(|t| t > built)
    })
}

/// Builds the binary with the cargo that built these tests, into the same profile folder.
fn build(profile: &Path) -> Result<(), String> {
    let release = profile.file_name().is_some_and(|n| n == "release");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root()).args([
        "build",
        "--quiet",
        "-p",
        "backend-brain",
        "--bin",
        "backend-brain",
    ]);
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`cargo build -p backend-brain` failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The path of the `backend-brain` binary under test.
///
/// `BACKEND_BRAIN_BIN` names one explicitly. Otherwise it is the binary in the same profile folder
/// as this test executable, which `cargo test --workspace` builds along with the server crate's
/// tests; when it is missing or older than the engine library, it is built first.
pub fn binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(explicit) = std::env::var_os("BACKEND_BRAIN_BIN") {
                return PathBuf::from(explicit);
            }
            let profile = profile_dir().expect("the test executable has a folder");
            let path = profile.join(binary_name());
            if is_stale(&path, &profile) {
                if let Err(e) = build(&profile) {
                    panic!("{e}");
                }
            }
            assert!(
                path.is_file(),
                "{} not found; run `cargo build -p backend-brain` first",
                path.display()
            );
            path
        })
        .clone()
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as JSON; panics with stdout and stderr when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `backend-brain` with `args` from `cwd` and waits for it.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    Command::new(binary())
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()))
        .into()
}

/// Runs `backend-brain` with `args` from the repository root.
pub fn run(args: &[&str]) -> Run {
    run_in(&repo_root(), args)
}

/// The entries of one `# section` of a fixture's `expected.txt` (non-empty lines up to the next
/// section header).
pub fn expected_section(expected: &str, section: &str) -> Vec<String> {
    let header = format!("# {section}");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in expected.lines() {
        if line.starts_with("# ") {
            inside = line.trim_end() == header;
        } else if inside && !line.trim().is_empty() {
            lines.push(line.to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::expected_section;

    #[test]
    fn sections_are_split_at_their_headers() {
        let text =
            "# routes\nGET /a  at=x:1\nPOST /b  at=x:2\n\n# socket_events\nemit e  ns=/  at=y:3\n";
        assert_eq!(expected_section(text, "routes").len(), 2);
        assert_eq!(
            expected_section(text, "socket_events"),
            vec!["emit e  ns=/  at=y:3"]
        );
        assert!(expected_section("# routes\n\n# socket_events\n", "routes").is_empty());
    }
}
