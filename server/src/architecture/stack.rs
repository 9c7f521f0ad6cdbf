//! The technology stack: every `package.json` (workspace packages included) with its runtime
//! (`engines.node`) and dependencies, each with the version its lockfile resolves and the layer
//! a small catalog of well-known packages (extended by `[stack] layers` in backend-brain.toml)
//! puts it in.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::lockfile::Lockfile;

/// Well-known packages and their layer. A name ending in `*` covers every package it prefixes.
const CATALOG: [(&str, &str); 100] = [
    ("express", "framework"),
    ("fastify", "framework"),
    ("koa", "framework"),
    ("hono", "framework"),
    ("@nestjs/core", "framework"),
    ("@nestjs/common", "framework"),
    ("@nestjs/platform-express", "framework"),
    ("@nestjs/platform-fastify", "framework"),
    ("routing-controllers", "framework"),
    ("@koa/router", "framework"),
    ("koa-router", "framework"),
    ("@hapi/hapi", "framework"),
    ("socket.io", "realtime"),
    ("ws", "realtime"),
    ("@nestjs/websockets", "realtime"),
    ("prisma", "orm"),
    ("@prisma/client", "orm"),
    ("typeorm", "orm"),
    ("@nestjs/typeorm", "orm"),
    ("sequelize", "orm"),
    ("sequelize-typescript", "orm"),
    ("drizzle-orm", "orm"),
    ("knex", "orm"),
    ("objection", "orm"),
    ("mongoose", "orm"),
    ("@mikro-orm/core", "orm"),
    ("kysely", "orm"),
    ("pg", "database"),
    ("postgres", "database"),
    ("mysql", "database"),
    ("mysql2", "database"),
    ("mongodb", "database"),
    ("better-sqlite3", "database"),
    ("sqlite3", "database"),
    ("@neondatabase/serverless", "database"),
    ("ioredis", "cache"),
    ("redis", "cache"),
    ("@upstash/redis", "cache"),
    ("lru-cache", "cache"),
    ("node-cache", "cache"),
    ("cache-manager", "cache"),
    ("bullmq", "queue"),
    ("bull", "queue"),
    ("@nestjs/bullmq", "queue"),
    ("@nestjs/bull", "queue"),
    ("agenda", "queue"),
    ("pg-boss", "queue"),
    ("amqplib", "queue"),
    ("kafkajs", "queue"),
    ("node-cron", "scheduler"),
    ("cron", "scheduler"),
    ("@nestjs/schedule", "scheduler"),
    ("passport", "auth"),
    ("passport-jwt", "auth"),
    ("passport-local", "auth"),
    ("@nestjs/passport", "auth"),
    ("@nestjs/jwt", "auth"),
    ("jsonwebtoken", "auth"),
    ("jose", "auth"),
    ("bcrypt", "auth"),
    ("bcryptjs", "auth"),
    ("argon2", "auth"),
    ("express-session", "auth"),
    ("compression", "http"),
    ("body-parser", "http"),
    ("cookie-parser", "http"),
    ("multer", "http"),
    ("helmet", "security"),
    ("cors", "security"),
    ("express-rate-limit", "security"),
    ("@nestjs/throttler", "security"),
    ("pino", "logging"),
    ("pino-http", "logging"),
    ("winston", "logging"),
    ("morgan", "logging"),
    ("bunyan", "logging"),
    ("@sentry/*", "apm"),
    ("@opentelemetry/*", "apm"),
    ("dd-trace", "apm"),
    ("newrelic", "apm"),
    ("elastic-apm-node", "apm"),
    ("prom-client", "apm"),
    ("zod", "validation"),
    ("joi", "validation"),
    ("yup", "validation"),
    ("class-validator", "validation"),
    ("ajv", "validation"),
    ("envalid", "config"),
    ("dotenv", "config"),
    ("@nestjs/config", "config"),
    ("@nestjs/terminus", "ops"),
    ("swagger-ui-express", "api-docs"),
    ("swagger-jsdoc", "api-docs"),
    ("@nestjs/swagger", "api-docs"),
    ("@fastify/swagger", "api-docs"),
    ("jest", "testing"),
    ("vitest", "testing"),
    ("mocha", "testing"),
    ("supertest", "testing"),
    ("@nestjs/testing", "testing"),
];

/// One `package.json`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifest {
    /// Root-relative path of the `package.json`.
    pub path: String,
    pub name: Option<String>,
    pub version: Option<String>,
    /// `engines.node`.
    pub node: Option<String>,
    /// The `workspaces` globs of a monorepo root.
    pub workspaces: Vec<String>,
    /// Name, declared range, and whether it is a development dependency.
    pub dependencies: Vec<(String, String, bool)>,
}

impl Manifest {
    pub fn parse(path: &str, text: &str) -> Result<Manifest, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let string = |v: &Json| v.as_str().map(str::to_string);
        let workspaces = match json.get("workspaces") {
            Some(Json::Array(items)) => items.iter().filter_map(string).collect(),
            Some(Json::Object(o)) => o
                .get("packages")
                .and_then(Json::as_array)
                .map(|items| items.iter().filter_map(string).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut dependencies = Vec::new();
        for (section, dev) in [
            ("dependencies", false),
            ("optionalDependencies", false),
            ("devDependencies", true),
        ] {
            if let Some(deps) = json.get(section).and_then(Json::as_object) {
                for (name, range) in deps {
                    if let Some(range) = range.as_str() {
                        dependencies.push((name.clone(), range.to_string(), dev));
                    }
                }
            }
        }
        Ok(Manifest {
            path: path.to_string(),
            name: json.get("name").and_then(string),
            version: json.get("version").and_then(string),
            node: json.pointer("/engines/node").and_then(string),
            workspaces,
            dependencies,
        })
    }

    /// The folder holding the manifest, root-relative (`""` at the root).
    fn dir(&self) -> &str {
        self.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    }
}

/// The stack of the whole workspace.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stack {
    /// Every `package.json`, by path.
    pub packages: Vec<StackPackage>,
    /// Every dependency of every package, by package then name.
    pub dependencies: Vec<StackDependency>,
    /// The lockfiles read, by path; one that could not be read carries its error.
    pub lockfiles: Vec<LockfileSummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StackPackage {
    pub file: String,
    pub name: Option<String>,
    pub version: Option<String>,
    /// The Node.js versions it runs on (`engines.node`).
    pub node: Option<String>,
    /// The `workspaces` globs of a monorepo root.
    pub workspaces: Vec<String>,
    /// The lockfile that resolves its dependencies.
    pub lockfile: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StackDependency {
    pub name: String,
    /// `framework`, `orm`, `database`, `cache`, `queue`, `scheduler`, `auth`, `security`, `http`,
    /// `logging`, `apm`, `validation`, `config`, `api-docs`, `testing`, `realtime`, `ops`, or a
    /// layer of `[stack] layers`; null for a package the catalog does not know.
    pub layer: Option<String>,
    /// The range `package.json` declares.
    pub declared: String,
    /// The version the lockfile resolves; null without a lockfile entry.
    pub version: Option<String>,
    pub dev: bool,
    /// The `package.json` that declares it.
    pub package: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LockfileSummary {
    pub file: String,
    /// `npm`, `yarn-v1`, `yarn-berry` or `pnpm`.
    pub format: String,
    /// How many resolved packages it lists.
    pub entries: usize,
    pub error: Option<String>,
}

/// The stack from the workspace's manifests and lockfiles; `layers` adds to the catalog (and
/// wins over it).
pub fn derive(
    manifests: &[&Manifest],
    lockfiles: &[&Lockfile],
    layers: &BTreeMap<String, String>,
) -> Stack {
    let mut stack = Stack::default();
    for manifest in manifests {
        let lockfile = nearest_lockfile(manifest.dir(), lockfiles);
        stack.packages.push(StackPackage {
            file: manifest.path.clone(),
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            node: manifest.node.clone(),
            workspaces: manifest.workspaces.clone(),
            lockfile: lockfile.map(|l| l.path.clone()),
        });
        for (name, declared, dev) in &manifest.dependencies {
            let version = lockfile.and_then(|l| {
                let importer = relative(manifest.dir(), l.dir());
                l.version_of(importer, name, declared).map(str::to_string)
            });
            stack.dependencies.push(StackDependency {
                name: name.clone(),
                layer: layer_of(name, layers),
                declared: declared.clone(),
                version,
                dev: *dev,
                package: manifest.path.clone(),
            });
        }
    }
    stack.packages.sort_by(|a, b| a.file.cmp(&b.file));
    stack
        .dependencies
        .sort_by(|a, b| (&a.package, &a.name).cmp(&(&b.package, &b.name)));
    stack.lockfiles = lockfiles
        .iter()
        .map(|l| LockfileSummary {
            file: l.path.clone(),
            format: l.format.to_string(),
            entries: l.entries.len(),
            error: l.error.clone(),
        })
        .collect();
    stack.lockfiles.sort_by(|a, b| a.file.cmp(&b.file));
    stack
}

/// The layer of a package: configured first, then the catalog; exact names before prefixes.
pub fn layer_of(name: &str, layers: &BTreeMap<String, String>) -> Option<String> {
    let configured = layers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let exact = |(pattern, _): &(&str, &str)| *pattern == name;
    let prefix = |(pattern, _): &(&str, &str)| {
        pattern
            .strip_suffix('*')
            .is_some_and(|p| name.starts_with(p))
    };
    configured
        .clone()
        .find(exact)
        .or_else(|| configured.clone().find(prefix))
        .or_else(|| CATALOG.iter().copied().find(exact))
        .or_else(|| CATALOG.iter().copied().find(prefix))
        .map(|(_, layer)| layer.to_string())
}

/// The lockfile of the package in `dir`: in that folder or the closest folder above it.
fn nearest_lockfile<'l>(dir: &str, lockfiles: &[&'l Lockfile]) -> Option<&'l Lockfile> {
    lockfiles
        .iter()
        .filter(|l| {
            l.dir().is_empty() || dir == l.dir() || dir.starts_with(&format!("{}/", l.dir()))
        })
        .max_by_key(|l| l.dir().len())
        .copied()
}

/// `dir` relative to `base`, which contains it.
fn relative<'d>(dir: &'d str, base: &str) -> &'d str {
    if base.is_empty() {
        dir
    } else {
        dir.strip_prefix(base)
            .map(|d| d.trim_start_matches('/'))
            .unwrap_or(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_come_from_config_then_the_catalog() {
        let mut layers = BTreeMap::new();
        layers.insert("@acme/*".to_string(), "internal".to_string());
        layers.insert("pg".to_string(), "driver".to_string());
        assert_eq!(layer_of("@acme/jobs", &layers).as_deref(), Some("internal"));
        assert_eq!(layer_of("pg", &layers).as_deref(), Some("driver"));
        assert_eq!(layer_of("express", &layers).as_deref(), Some("framework"));
        assert_eq!(layer_of("@sentry/node", &layers).as_deref(), Some("apm"));
        assert_eq!(layer_of("left-pad", &layers), None);
    }

    #[test]
    fn each_package_reads_its_nearest_lockfile() {
        let root = Manifest::parse(
            "package.json",
            r#"{ "name": "acme", "private": true, "workspaces": ["services/*"],
                 "devDependencies": { "vitest": "^2.1.0" } }"#,
        )
        .expect("valid");
        let api = Manifest::parse(
            "services/api/package.json",
            r#"{ "name": "@acme/api", "engines": { "node": ">=20" },
                 "dependencies": { "fastify": "^5.0.0", "left-pad": "1.3.0" } }"#,
        )
        .expect("valid");
        let lock = Lockfile::parse(
            "package-lock.json",
            r#"{ "lockfileVersion": 3, "packages": {
                "node_modules/vitest": { "version": "2.1.4" },
                "node_modules/fastify": { "version": "5.1.0" } } }"#,
        );
        let stack = derive(&[&root, &api], &[&lock], &BTreeMap::new());
        let rows: Vec<String> = stack
            .dependencies
            .iter()
            .map(|d| {
                format!(
                    "{} {} {} {} {:?} {}",
                    d.package,
                    d.name,
                    d.declared,
                    d.version.as_deref().unwrap_or("-"),
                    d.layer,
                    d.dev
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                "package.json vitest ^2.1.0 2.1.4 Some(\"testing\") true",
                "services/api/package.json fastify ^5.0.0 5.1.0 Some(\"framework\") false",
                "services/api/package.json left-pad 1.3.0 - None false",
            ]
        );
        assert_eq!(stack.packages[1].node.as_deref(), Some(">=20"));
        assert_eq!(
            stack.packages[1].lockfile.as_deref(),
            Some("package-lock.json")
        );
        assert_eq!(stack.packages[0].workspaces, ["services/*"]);
    }
}
