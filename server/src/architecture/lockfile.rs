//! Lockfiles, read for the versions they resolve: npm's `package-lock.json` (versions 1 to 3),
//! `yarn.lock` (Yarn 1 and Yarn 2+), `pnpm-lock.yaml` (versions 5 to 9). A lockfile that cannot
//! be read keeps its error, which is reported; nothing else depends on it.

use yaml_rust2::{Yaml, YamlLoader};

/// The lockfile names this module reads.
const NAMES: [&str; 3] = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml"];

/// Whether a file name is a lockfile this module reads.
pub fn is_lockfile(name: &str) -> bool {
    NAMES.contains(&name)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lockfile {
    /// Root-relative path.
    pub path: String,
    /// `npm`, `yarn-v1`, `yarn-berry` or `pnpm`.
    pub format: &'static str,
    pub entries: Vec<LockEntry>,
    /// Why the file could not be read; its entries are then empty.
    pub error: Option<String>,
}

/// One resolved package.
#[derive(Clone, Debug, PartialEq)]
pub struct LockEntry {
    /// The workspace package (its folder relative to the lockfile's, `""` for the root) that
    /// installs it, for formats that say (npm, pnpm).
    pub importer: Option<String>,
    pub name: String,
    /// The range it resolves, for formats keyed by range (Yarn).
    pub range: Option<String>,
    pub version: String,
}

impl Lockfile {
    /// Reads a lockfile; what cannot be read is kept as the error.
    pub fn parse(path: &str, text: &str) -> Lockfile {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (format, entries) = match name {
            "package-lock.json" => ("npm", npm(text)),
            "pnpm-lock.yaml" => ("pnpm", pnpm(text)),
            _ if text.contains("__metadata:") => ("yarn-berry", yarn_berry(text)),
            _ => ("yarn-v1", yarn_v1(text)),
        };
        let (entries, error) = match entries {
            Ok(entries) => (entries, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Lockfile {
            path: path.to_string(),
            format,
            entries,
            error,
        }
    }

    /// The folder holding the lockfile, root-relative (`""` at the root).
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    }

    /// The version installed for `name` declared as `range` by the package in `importer` (its
    /// folder relative to the lockfile's): the importer's own entry, else the entry for that
    /// range, else the hoisted root entry, else the only version there is.
    pub fn version_of(&self, importer: &str, name: &str, range: &str) -> Option<&str> {
        let named = || self.entries.iter().filter(|e| e.name == name);
        let found = named()
            .find(|e| e.importer.as_deref() == Some(importer))
            .or_else(|| named().find(|e| e.range.as_deref() == Some(range)))
            .or_else(|| named().find(|e| e.importer.as_deref() == Some("")));
        if let Some(e) = found {
            return Some(&e.version);
        }
        let mut versions = named().map(|e| e.version.as_str());
        let first = versions.next()?;
        versions.all(|v| v == first).then_some(first)
    }
}

fn npm(text: &str) -> Result<Vec<LockEntry>, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = |entry: &serde_json::Value| {
        entry
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let mut out = Vec::new();
    if let Some(packages) = json.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in packages {
            let (Some(at), Some(version)) = (key.rfind("node_modules/"), version(entry)) else {
                continue;
            };
            let prefix = &key[..at];
            // A dependency of a dependency, installed under it.
            if prefix.contains("node_modules/") {
                continue;
            }
            out.push(LockEntry {
                importer: Some(prefix.trim_end_matches('/').to_string()),
                name: key[at + "node_modules/".len()..].to_string(),
                range: None,
                version,
            });
        }
    } else if let Some(dependencies) = json.get("dependencies").and_then(|d| d.as_object()) {
        for (name, entry) in dependencies {
            if let Some(version) = version(entry) {
                out.push(LockEntry {
                    importer: Some(String::new()),
                    name: name.clone(),
                    range: None,
                    version,
                });
            }
        }
    } else {
        return Err("no `packages` or `dependencies` in package-lock.json".into());
    }
    Ok(out)
}

/// Yarn 1's own format: `name@range, name@range2:` headers, then indented fields.
fn yarn_v1(text: &str) -> Result<Vec<LockEntry>, String> {
    let mut out = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let header = line
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| format!("line {}: expected `name@range:`", i + 1))?;
            current = header
                .split(", ")
                .filter_map(|d| split_descriptor(d.trim().trim_matches('"')))
                .collect();
            if current.is_empty() {
                return Err(format!("line {}: expected `name@range:`", i + 1));
            }
        } else if let Some(version) = line.strip_prefix("  version ") {
            let version = version.trim().trim_matches('"').to_string();
            for (name, range) in current.drain(..) {
                out.push(LockEntry {
                    importer: None,
                    name,
                    range: Some(range),
                    version: version.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Yarn 2+: YAML whose keys are descriptor lists (`"express@npm:^4.21.1, express@npm:^4.18.0"`).
fn yarn_berry(text: &str) -> Result<Vec<LockEntry>, String> {
    let doc = yaml(text)?;
    let entries = doc.as_hash().ok_or("yarn.lock is not a map of packages")?;
    let mut out = Vec::new();
    for (key, value) in entries {
        let (Some(key), Some(version)) = (key.as_str(), scalar(&value["version"])) else {
            continue;
        };
        for descriptor in key.split(',') {
            if let Some((name, range)) = split_descriptor(descriptor.trim()) {
                if range.starts_with("workspace:") {
                    continue;
                }
                out.push(LockEntry {
                    importer: None,
                    name,
                    range: Some(range),
                    version: version.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// pnpm: `importers` (workspaces, and every project since version 6) or top-level
/// `dependencies` maps, whose values are versions or `{ specifier, version }`.
fn pnpm(text: &str) -> Result<Vec<LockEntry>, String> {
    let doc = yaml(text)?;
    if doc["lockfileVersion"].is_badvalue() {
        return Err("no lockfileVersion in pnpm-lock.yaml".into());
    }
    let mut out = Vec::new();
    let mut read = |importer: &str, project: &Yaml| {
        for section in ["dependencies", "devDependencies", "optionalDependencies"] {
            let Some(deps) = project[section].as_hash() else {
                continue;
            };
            for (name, spec) in deps {
                let version = match spec {
                    Yaml::Hash(_) => scalar(&spec["version"]),
                    other => scalar(other),
                };
                let (Some(name), Some(version)) = (name.as_str(), version) else {
                    continue;
                };
                // `4.21.1(debug@4.3.4)` in version 6+, `4.18.2_debug@4.3.4` in version 5.
                let version = version.split(['(', '_']).next().unwrap_or("").to_string();
                if version.is_empty() || version.contains(':') || version.starts_with('/') {
                    continue;
                }
                out.push(LockEntry {
                    importer: Some(importer.to_string()),
                    name: name.to_string(),
                    range: None,
                    version,
                });
            }
        }
    };
    match doc["importers"].as_hash() {
        Some(importers) => {
            for (dir, project) in importers {
                let dir = dir.as_str().unwrap_or("");
                read(if dir == "." { "" } else { dir }, project);
            }
        }
        None => read("", &doc),
    }
    Ok(out)
}

fn yaml(text: &str) -> Result<Yaml, String> {
    let mut docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    if docs.is_empty() {
        return Err("empty file".into());
    }
    Ok(docs.swap_remove(0))
}

/// A YAML scalar as text (`1.0` parses as a number).
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// `express@^4.21.1` is `(express, ^4.21.1)`, `@scope/x@npm:1.0.0` is `(@scope/x, 1.0.0)`.
fn split_descriptor(descriptor: &str) -> Option<(String, String)> {
    let at = descriptor.get(1..)?.find('@')? + 1;
    let range = &descriptor[at + 1..];
    Some((
        descriptor[..at].to_string(),
        range.strip_prefix("npm:").unwrap_or(range).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(lock: &Lockfile) -> Vec<String> {
        lock.entries
            .iter()
            .map(|e| {
                format!(
                    "{}{} {}{}",
                    e.importer
                        .as_deref()
                        .map(|i| format!("[{i}] "))
                        .unwrap_or_default(),
                    e.name,
                    e.range
                        .as_deref()
                        .map(|r| format!("{r} -> "))
                        .unwrap_or_default(),
                    e.version
                )
            })
            .collect()
    }

    #[test]
    fn npm_lockfiles_give_each_workspace_its_versions() {
        let lock = Lockfile::parse(
            "package-lock.json",
            r#"{ "lockfileVersion": 3, "packages": {
                "": { "name": "root", "workspaces": ["apps/*"] },
                "apps/api": { "name": "@acme/api", "version": "0.1.0" },
                "node_modules/@acme/api": { "resolved": "apps/api", "link": true },
                "node_modules/express": { "version": "4.21.1" },
                "node_modules/express/node_modules/debug": { "version": "2.6.9" },
                "apps/api/node_modules/zod": { "version": "3.22.4" },
                "node_modules/zod": { "version": "3.23.8" }
            } }"#,
        );
        assert_eq!(lock.error, None);
        assert_eq!(
            versions(&lock),
            [
                "[apps/api] zod 3.22.4",
                "[] express 4.21.1",
                "[] zod 3.23.8"
            ]
        );
        assert_eq!(
            lock.version_of("apps/api", "zod", "^3.22.0"),
            Some("3.22.4")
        );
        assert_eq!(
            lock.version_of("apps/worker", "zod", "^3.23.0"),
            Some("3.23.8")
        );
        assert_eq!(lock.version_of("apps/api", "express", "^4"), Some("4.21.1"));
        assert_eq!(lock.version_of("", "pg", "^8"), None);
    }

    #[test]
    fn npm_v1_lockfiles_list_dependencies() {
        let lock = Lockfile::parse(
            "package-lock.json",
            r#"{ "lockfileVersion": 1, "dependencies": { "koa": { "version": "2.15.3" } } }"#,
        );
        assert_eq!(versions(&lock), ["[] koa 2.15.3"]);
    }

    #[test]
    fn yarn_v1_lockfiles_are_keyed_by_range() {
        let lock = Lockfile::parse(
            "yarn.lock",
            "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\
             \"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.24.7\"\n  resolved \"https://registry.yarnpkg.com/x\"\n  dependencies:\n    version \"^1.0.0\"\n\n\
             express@^4.18.0:\n  version \"4.18.2\"\n\nexpress@^4.21.0:\n  version \"4.21.1\"\n",
        );
        assert_eq!(lock.format, "yarn-v1");
        assert_eq!(
            versions(&lock),
            [
                "@babel/code-frame ^7.0.0 -> 7.24.7",
                "@babel/code-frame ^7.10.4 -> 7.24.7",
                "express ^4.18.0 -> 4.18.2",
                "express ^4.21.0 -> 4.21.1"
            ]
        );
        assert_eq!(lock.version_of("", "express", "^4.21.0"), Some("4.21.1"));
        assert_eq!(lock.version_of("", "express", "^4.0.0"), None);
        assert_eq!(
            lock.version_of("", "@babel/code-frame", "^7"),
            Some("7.24.7")
        );
    }

    #[test]
    fn yarn_berry_lockfiles_are_yaml() {
        let lock = Lockfile::parse(
            "apps/yarn.lock",
            "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\
             \"@acme/api@workspace:api\":\n  version: 0.0.0-use.local\n\n\
             \"fastify@npm:^5.0.0, fastify@npm:^5.1.0\":\n  version: 5.1.0\n  resolution: \"fastify@npm:5.1.0\"\n\n\
             \"ms@npm:2.1\":\n  version: 2.1\n",
        );
        assert_eq!(lock.format, "yarn-berry");
        assert_eq!(lock.dir(), "apps");
        assert_eq!(
            versions(&lock),
            [
                "fastify ^5.0.0 -> 5.1.0",
                "fastify ^5.1.0 -> 5.1.0",
                "ms 2.1 -> 2.1"
            ]
        );
    }

    #[test]
    fn pnpm_lockfiles_of_every_version() {
        let v9 = Lockfile::parse(
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    devDependencies:\n      vitest:\n        specifier: ^2.1.0\n        version: 2.1.4(@types/node@20.17.6)\n\n  services/billing:\n    dependencies:\n      stripe:\n        specifier: ^17.0.0\n        version: 17.3.1\n      '@acme/shared':\n        specifier: workspace:*\n        version: link:../../packages/shared\n",
        );
        assert_eq!(v9.error, None);
        assert_eq!(
            versions(&v9),
            ["[] vitest 2.1.4", "[services/billing] stripe 17.3.1"]
        );
        let v5 = Lockfile::parse(
            "pnpm-lock.yaml",
            "lockfileVersion: 5.4\n\nspecifiers:\n  express: ^4.18.0\n\ndependencies:\n  express: 4.18.2_debug@4.3.4\n",
        );
        assert_eq!(versions(&v5), ["[] express 4.18.2"]);
    }

    #[test]
    fn unreadable_lockfiles_keep_their_error() {
        let broken = Lockfile::parse("package-lock.json", "{ \"packages\": ");
        assert!(broken.error.is_some());
        assert!(broken.entries.is_empty());
        let yarn = Lockfile::parse("yarn.lock", "express@^4\n  version \"4.0.0\"\n");
        assert_eq!(
            yarn.error.as_deref(),
            Some("line 1: expected `name@range:`")
        );
        let pnpm = Lockfile::parse("pnpm-lock.yaml", "importers: [\n");
        assert!(pnpm.error.is_some());
        let no_version = Lockfile::parse("pnpm-lock.yaml", "importers: {}\n");
        assert_eq!(
            no_version.error.as_deref(),
            Some("no lockfileVersion in pnpm-lock.yaml")
        );
    }
}
