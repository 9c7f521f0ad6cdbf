//! Module resolution: which workspace file an import specifier names.
//!
//! Follows what TypeScript and Node do for the common cases: relative specifiers with or without
//! an extension (`./x.js` names `x.ts` in ESM TypeScript), index files, tsconfig/jsconfig `paths`
//! aliases and `baseUrl`, and `extends` between configs. Anything else is an external package.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::workspace::FileId;

const EXTENSIONS: [&str; 8] = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// The `compilerOptions` that matter for resolution, of one tsconfig.json or jsconfig.json.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TsConfig {
    /// The config file, relative to the root.
    pub path: String,
    /// The folder holding the config, relative to the root (`""` for the root).
    pub dir: String,
    /// `baseUrl`, resolved to a root-relative folder.
    pub base_url: Option<String>,
    /// `paths` patterns with their targets, targets resolved to root-relative paths.
    pub paths: Vec<(String, Vec<String>)>,
    /// `extends`, resolved to a root-relative config path, when it names a workspace file.
    pub extends: Option<String>,
}

impl TsConfig {
    /// Reads a config's text. `path` is root-relative. Returns an error message for bad JSON.
    pub fn parse(path: &str, text: &str) -> Result<TsConfig, String> {
        let json: Json = json5::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let dir = parent_dir(path).to_string();
        let options = json.get("compilerOptions");
        let base_url = options
            .and_then(|o| o.get("baseUrl"))
            .and_then(Json::as_str)
            .map(|b| normalize(&join(&dir, b)));
        let paths_base = base_url.clone().unwrap_or_else(|| dir.clone());
        let paths = options
            .and_then(|o| o.get("paths"))
            .and_then(Json::as_object)
            .map(|map| {
                map.iter()
                    .map(|(pattern, targets)| {
                        let targets = targets
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(Json::as_str)
                                    .map(|t| normalize(&join(&paths_base, t)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (pattern.clone(), targets)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let extends = match json.get("extends") {
            Some(Json::String(s)) if s.starts_with('.') => {
                let target = normalize(&join(&dir, s));
                Some(if target.ends_with(".json") {
                    target
                } else {
                    format!("{target}.json")
                })
            }
            _ => None,
        };
        Ok(TsConfig {
            path: path.to_string(),
            dir,
            base_url,
            paths,
            extends,
        })
    }
}

/// A package of the workspace (a monorepo member), imported by its name from the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    pub name: String,
    /// The folder holding package.json, root-relative.
    pub dir: String,
    /// Where the package's entry point may be, root-relative and without extension where the
    /// manifest names built output (`dist/index.js` is looked for as `src/index.ts` too).
    pub entries: Vec<String>,
}

impl Package {
    /// Reads a package.json. A manifest without a name is no importable package: `Ok(None)`.
    pub fn parse(path: &str, text: &str) -> Result<Option<Package>, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let Some(name) = json.get("name").and_then(Json::as_str) else {
            return Ok(None);
        };
        let dir = parent_dir(path).to_string();
        let mut declared: Vec<&str> = ["source", "types", "typings", "main", "module"]
            .iter()
            .filter_map(|k| json.get(*k).and_then(Json::as_str))
            .collect();
        match json.get("exports") {
            Some(Json::String(s)) => declared.push(s),
            Some(Json::Object(map)) => {
                let root = map.get(".").unwrap_or(&Json::Null);
                let conditions = if root.is_null() {
                    &json["exports"]
                } else {
                    root
                };
                match conditions {
                    Json::String(s) => declared.push(s),
                    Json::Object(c) => declared.extend(
                        ["types", "import", "require", "node", "default"]
                            .iter()
                            .filter_map(|k| c.get(*k).and_then(Json::as_str)),
                    ),
                    _ => {}
                }
            }
            _ => {}
        }
        let mut entries = Vec::new();
        for entry in declared {
            let entry = normalize(&join(&dir, entry));
            let stem = strip_extension(&entry);
            // Built output is not in the workspace; its source usually mirrors it under src/.
            for built in ["dist/", "lib/", "build/", "out/"] {
                let prefix = if dir.is_empty() {
                    built.to_string()
                } else {
                    format!("{dir}/{built}")
                };
                if let Some(rest) = stem.strip_prefix(&prefix) {
                    entries.push(join(&dir, &format!("src/{rest}")));
                }
            }
            entries.push(stem.to_string());
        }
        entries.push(join(&dir, "src/index"));
        entries.push(join(&dir, "index"));
        entries.dedup();
        Ok(Some(Package {
            name: name.to_string(),
            dir,
            entries,
        }))
    }
}

fn strip_extension(path: &str) -> &str {
    for ext in [
        ".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs",
    ] {
        if let Some(stem) = path.strip_suffix(ext) {
            return stem;
        }
    }
    path
}

/// Resolves specifiers against the set of workspace files.
#[derive(Debug, Default)]
pub struct ModuleResolver {
    files: HashMap<String, FileId>,
    /// Effective configs (after `extends`), by folder.
    configs: Vec<TsConfig>,
    packages: Vec<Package>,
}

impl ModuleResolver {
    pub fn new(
        files: impl IntoIterator<Item = (String, FileId)>,
        configs: &[TsConfig],
        packages: &[Package],
    ) -> Self {
        // Only the configs a compiler picks up by name apply to files; the others serve `extends`.
        let effective = configs
            .iter()
            .filter(|c| c.path.ends_with("tsconfig.json") || c.path.ends_with("jsconfig.json"))
            .map(|c| effective_config(c, configs))
            .collect();
        ModuleResolver {
            files: files.into_iter().collect(),
            configs: effective,
            packages: {
                let mut sorted = packages.to_vec();
                sorted.sort_by(|a, b| (&a.name, &a.dir).cmp(&(&b.name, &b.dir)));
                sorted
            },
        }
    }

    pub fn file(&self, path: &str) -> Option<FileId> {
        self.files.get(path).copied()
    }

    /// The file `specifier` names when imported from `from` (a root-relative path).
    pub fn resolve(&self, from: &str, specifier: &str) -> Option<FileId> {
        if specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier == "."
            || specifier == ".."
        {
            let base = normalize(&join(parent_dir(from), specifier));
            return self.try_candidates(&base);
        }
        if let Some(config) = self.config_for(from) {
            for (pattern, targets) in &config.paths {
                if let Some(star) = match_pattern(pattern, specifier) {
                    for target in targets {
                        let candidate = target.replace('*', star);
                        if let Some(f) = self.try_candidates(&candidate) {
                            return Some(f);
                        }
                    }
                }
            }
            if let Some(base) = &config.base_url {
                if let Some(f) = self.try_candidates(&normalize(&join(base, specifier))) {
                    return Some(f);
                }
            }
        }
        self.resolve_package(specifier)
    }

    /// `@acme/shared` or `@acme/shared/paths`, a package of the workspace imported by name.
    fn resolve_package(&self, specifier: &str) -> Option<FileId> {
        let package = self
            .packages
            .iter()
            .filter(|p| specifier == p.name || specifier.starts_with(&format!("{}/", p.name)))
            .max_by_key(|p| p.name.len())?;
        match specifier.strip_prefix(&format!("{}/", package.name)) {
            None => package.entries.iter().find_map(|e| self.try_candidates(e)),
            Some(subpath) => self
                .try_candidates(&join(&package.dir, subpath))
                .or_else(|| self.try_candidates(&join(&package.dir, &format!("src/{subpath}")))),
        }
    }

    /// The nearest config whose folder holds `from`.
    fn config_for(&self, from: &str) -> Option<&TsConfig> {
        self.configs
            .iter()
            .filter(|c| c.dir.is_empty() || from.starts_with(&format!("{}/", c.dir)))
            .max_by_key(|c| c.dir.len())
    }

    fn try_candidates(&self, base: &str) -> Option<FileId> {
        if let Some(f) = self.files.get(base) {
            return Some(*f);
        }
        // ESM TypeScript imports `./x.js` for `x.ts`.
        for (js, ts) in [
            ("js", &["ts", "tsx"][..]),
            ("jsx", &["tsx"]),
            ("mjs", &["mts"]),
            ("cjs", &["cts"]),
        ] {
            if let Some(stem) = base.strip_suffix(&format!(".{js}")) {
                for ext in ts {
                    if let Some(f) = self.files.get(&format!("{stem}.{ext}")) {
                        return Some(*f);
                    }
                }
            }
        }
        for ext in EXTENSIONS {
            if let Some(f) = self.files.get(&format!("{base}.{ext}")) {
                return Some(*f);
            }
        }
        let dir = base.trim_end_matches('/');
        for ext in EXTENSIONS {
            let index = if dir.is_empty() {
                format!("index.{ext}")
            } else {
                format!("{dir}/index.{ext}")
            };
            if let Some(f) = self.files.get(&index) {
                return Some(*f);
            }
        }
        None
    }
}

/// A config with what it inherits through `extends` filled in.
fn effective_config(config: &TsConfig, all: &[TsConfig]) -> TsConfig {
    let mut out = config.clone();
    let mut next = config.extends.clone();
    let mut hops = 0;
    while let (Some(parent_path), true) = (next, hops < 8) {
        hops += 1;
        let Some(parent) = all.iter().find(|c| c.path == parent_path) else {
            break;
        };
        if out.base_url.is_none() {
            out.base_url = parent.base_url.clone();
        }
        if out.paths.is_empty() {
            out.paths = parent.paths.clone();
        }
        next = parent.extends.clone();
    }
    out
}

/// `@app/*` matched against `@app/users` gives `users`; an exact pattern gives `""`.
fn match_pattern<'a>(pattern: &str, specifier: &'a str) -> Option<&'a str> {
    match pattern.split_once('*') {
        Some((prefix, suffix)) => specifier
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix)),
        None => (pattern == specifier).then_some(""),
    }
}

pub fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Resolves `.` and `..` segments of a `/`-separated relative path.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(files: &[&str], configs: &[(&str, &str)]) -> ModuleResolver {
        let configs: Vec<TsConfig> = configs
            .iter()
            .map(|(path, text)| TsConfig::parse(path, text).expect("valid config"))
            .collect();
        ModuleResolver::new(
            files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.to_string(), i as FileId)),
            &configs,
            &[],
        )
    }

    #[test]
    fn relative_specifiers_try_extensions_and_index_files() {
        let r = resolver(
            &["src/app.ts", "src/routes/index.ts", "src/routes/users.ts"],
            &[],
        );
        assert_eq!(r.resolve("src/app.ts", "./routes"), Some(1));
        assert_eq!(r.resolve("src/app.ts", "./routes/users"), Some(2));
        assert_eq!(r.resolve("src/app.ts", "./routes/users.js"), Some(2));
        assert_eq!(r.resolve("src/routes/users.ts", "../app"), Some(0));
        assert_eq!(r.resolve("src/app.ts", "express"), None);
    }

    #[test]
    fn workspace_packages_resolve_by_name_through_their_manifests() {
        let files = [
            "packages/shared/src/index.ts",
            "packages/shared/src/paths.ts",
            "apps/api/src/app.ts",
        ];
        let packages: Vec<Package> = [
            (
                "packages/shared/package.json",
                r#"{ "name": "@acme/shared", "main": "dist/index.js" }"#,
            ),
            ("apps/api/package.json", r#"{ "private": true }"#),
        ]
        .iter()
        .filter_map(|(p, t)| Package::parse(p, t).expect("valid manifest"))
        .collect();
        let r = ModuleResolver::new(
            files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.to_string(), i as FileId)),
            &[],
            &packages,
        );
        assert_eq!(r.resolve("apps/api/src/app.ts", "@acme/shared"), Some(0));
        assert_eq!(
            r.resolve("apps/api/src/app.ts", "@acme/shared/paths"),
            Some(1)
        );
        assert_eq!(r.resolve("apps/api/src/app.ts", "@acme/other"), None);
    }

    #[test]
    fn tsconfig_paths_and_base_url_with_comments_and_extends() {
        let r = resolver(
            &["api/src/routes/users.ts", "api/src/lib/db.ts"],
            &[
                ("tsconfig.base.json", "{ // shared\n \"compilerOptions\": { \"baseUrl\": \"api/src\", \"paths\": { \"@routes/*\": [\"routes/*\"], }, }, }"),
                ("api/tsconfig.json", "{ \"extends\": \"../tsconfig.base.json\" }"),
            ],
        );
        assert_eq!(r.resolve("api/src/x.ts", "@routes/users"), Some(0));
        assert_eq!(r.resolve("api/src/x.ts", "lib/db"), Some(1));
    }
}
