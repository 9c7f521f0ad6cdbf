//! Finding the files to index: a .gitignore-aware walk that skips dependencies, build output,
//! declaration files, and (by default) test code.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::syntax::Grammar;

use super::config::IndexConfig;

/// Folders that never hold the backend's own source.
const SKIPPED_DIRS: [&str; 9] = [
    "node_modules",
    "dist",
    "build",
    "coverage",
    ".git",
    ".next",
    "out",
    ".turbo",
    ".cache",
];

/// Folders that hold test code.
const TEST_DIRS: [&str; 6] = [
    "__tests__",
    "__mocks__",
    "test",
    "tests",
    "e2e",
    "__fixtures__",
];

/// What the walk found: source files and resolution configs, root-relative with `/`.
#[derive(Debug, Default)]
pub struct Found {
    pub sources: Vec<String>,
    pub configs: Vec<String>,
    /// Schema files: SQL migrations and Prisma schemas.
    pub schema_files: Vec<String>,
    /// Notification template files that are not source (`templates/welcome.hbs`).
    pub templates: Vec<String>,
    pub problems: Vec<String>,
}

pub fn walk(root: &Path, config: &IndexConfig) -> Found {
    let mut found = Found::default();
    let excluded = match exclude_set(&config.exclude) {
        Ok(set) => set,
        Err(e) => {
            found.problems.push(e);
            GlobSet::empty()
        }
    };
    let include_tests = config.include_tests;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && (SKIPPED_DIRS.contains(&name.as_ref())
                    || (!include_tests && TEST_DIRS.contains(&name.as_ref()))))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                found.problems.push(e.to_string());
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(rel) = relative(root, entry.path()) else {
            continue;
        };
        if excluded.is_match(&rel) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if is_resolution_config(&name) {
            found.configs.push(rel);
        } else if Grammar::for_path(entry.path()).is_some()
            && !is_bundle(&name)
            && (include_tests || !is_test_file(&name))
        {
            found.sources.push(rel);
        } else if crate::schema::is_schema_path(&rel) && (include_tests || !is_test_file(&name)) {
            found.schema_files.push(rel);
        } else if crate::frameworks::notifications::is_template_path(&rel) {
            found.templates.push(rel);
        }
    }
    found.sources.sort();
    found.configs.sort();
    found.schema_files.sort();
    found.templates.sort();
    found
}

/// Files that decide how imports resolve and what the backend is built with: tsconfig/jsconfig
/// files, package manifests and lockfiles.
pub fn is_resolution_config(name: &str) -> bool {
    name == "package.json"
        || crate::architecture::lockfile::is_lockfile(name)
        || ((name.starts_with("tsconfig") || name.starts_with("jsconfig"))
            && name.ends_with(".json"))
}

/// Minified bundles (`vendor.min.js`, `app.bundle.js`) are build output, never source.
pub fn is_bundle(name: &str) -> bool {
    name.contains(".min.") || name.contains(".bundle.")
}

/// `x.test.ts`, `x.spec.ts`, `x.e2e-spec.ts`, `x.e2e.ts`.
pub fn is_test_file(name: &str) -> bool {
    let mut parts = name.split('.').skip(1);
    parts.any(|p| matches!(p, "test" | "spec" | "e2e" | "e2e-spec"))
}

/// Whether a root-relative path is test code by its folders or its name.
pub fn is_test_path(rel: &str) -> bool {
    let mut segments: Vec<&str> = rel.split('/').collect();
    let name = segments.pop().unwrap_or("");
    is_test_file(name) || segments.iter().any(|s| TEST_DIRS.contains(s))
}

fn exclude_set(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        builder.add(Glob::new(g).map_err(|e| format!("exclude glob {g:?}: {e}"))?);
    }
    builder.build().map_err(|e| e.to_string())
}

pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel: PathBuf = path.strip_prefix(root).ok()?.to_path_buf();
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_code_is_recognized_by_name_and_folder() {
        assert!(is_test_path("src/__tests__/orders.ts"));
        assert!(is_test_path("src/orders.test.ts"));
        assert!(is_test_path("src/orders.controller.spec.ts"));
        assert!(is_test_path("test/app.e2e-spec.ts"));
        assert!(!is_test_path("src/routes/tests-results.ts"));
        assert!(!is_test_path("src/latest.ts"));
    }

    #[test]
    fn bundles_are_recognized_by_name() {
        assert!(is_bundle("vendor.min.js"));
        assert!(is_bundle("main.bundle.js"));
        assert!(!is_bundle("admin.ts"));
    }
}
