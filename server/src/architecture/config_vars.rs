//! Configuration: every environment variable the backend reads — `process.env` reads and schema
//! keys from the per-file facts, and `@nestjs/config`'s `ConfigService.get('X')` recognized during
//! resolution — with where it is read, its default when one is written, whether a schema
//! validates it, and whether its name looks like a secret. Values are never read, only names.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;

use crate::facts::{Call, FileFacts, Span};
use crate::frameworks::{Framework, Handle};
use crate::inventory::Location;
use crate::resolve::graph::NodeKey;
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

/// Name segments that make a variable a secret when they end its name (`JWT_SECRET`,
/// `STRIPE_API_KEY`, `GITHUB_TOKEN`).
const SECRET_SUFFIXES: [&str; 9] = [
    "SECRET",
    "KEY",
    "TOKEN",
    "PASSWORD",
    "PASS",
    "PASSWD",
    "PWD",
    "CREDENTIALS",
    "APIKEY",
];
/// Name segments that make a variable a secret wherever they are (`DB_PASSWORD_FILE`).
const SECRET_SEGMENTS: [&str; 3] = ["SECRET", "PASSWORD", "PRIVATE"];
/// Stores whose connection URL carries credentials (`DATABASE_URL`, `REDIS_URL`, `MONGO_URI`).
const CONNECTION_STORES: [&str; 10] = [
    "DATABASE", "DB", "POSTGRES", "PG", "MYSQL", "MONGO", "MONGODB", "REDIS", "AMQP", "RABBITMQ",
];

/// What `ConfigService.get(...)` calls were seen during resolution.
#[derive(Debug, Default)]
pub struct Recorded {
    pub reads: Vec<ServiceRead>,
}

/// `configService.get('JWT_SECRET')`, `getOrThrow('PORT')`.
#[derive(Debug)]
pub struct ServiceRead {
    pub name: String,
    pub site: Site,
    /// The name's string.
    pub name_span: Span,
    pub default: Option<String>,
}

/// @nestjs/config's `ConfigService`, known by its declared type.
pub struct ConfigService;

impl Framework for ConfigService {
    fn typed(
        &self,
        _cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _key: NodeKey,
        _site: Site,
        _ty: &str,
    ) -> Option<Value> {
        (module == "@nestjs/config" && path.last().map(|p| p.as_ref()) == Some("ConfigService"))
            .then_some(Value::Handle(Handle::ConfigService))
    }

    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        if *receiver != Handle::ConfigService {
            return None;
        }
        if matches!(method, "get" | "getOrThrow") {
            let args = cx.eval_args(&call.args, env);
            let name = super::text(args.first().map(|a| &a.value)).filter(|t| !t.dynamic);
            let name_span = call.args.first().and_then(|a| a.span());
            // A dotted key (`database.host`) names a namespaced setting, not a variable.
            if let (Some(name), Some(name_span)) = (name, name_span) {
                if is_env_name(&name.text) {
                    let default = args.get(1).and_then(|a| match &a.value {
                        Value::Text(t) if !t.dynamic => Some(t.text.clone()),
                        Value::Num(_) | Value::Bool(_) => {
                            Some(super::literal_json(&a.value).to_string())
                        }
                        _ => None,
                    });
                    cx.state::<Recorded>().reads.push(ServiceRead {
                        name: name.text,
                        site,
                        name_span,
                        default,
                    });
                }
            }
        }
        Some(Value::unknown(method))
    }
}

/// One environment variable and everywhere it is read.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigVar {
    pub name: String,
    /// Whether the name looks like it holds a secret (`*_SECRET`, `*_KEY`, `*_TOKEN`,
    /// `*PASSWORD*`, a database or broker URL).
    pub secret: bool,
    /// Whether a schema over `process.env` (zod, envalid, joi, yup, `validationSchema`) checks it.
    pub validated: bool,
    /// The libraries of the schemas that check it.
    pub validators: Vec<String>,
    /// The default a schema declares, else the first fallback written beside a read.
    pub default: Option<String>,
    pub reads: Vec<ConfigRead>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConfigRead {
    pub file: String,
    pub line: u32,
    /// `process.env` for a direct read or a destructuring, `schema` for a key of a validating
    /// schema, `ConfigService` for `@nestjs/config`.
    pub via: String,
    pub default: Option<String>,
    /// The name's token.
    #[serde(skip)]
    pub location: Location,
}

/// Every variable read in `files` or through `ConfigService`, sorted by name.
pub fn derive(
    files: &[(&str, &FileFacts)],
    recorded: &Recorded,
    paths: &[String],
) -> Vec<ConfigVar> {
    let mut vars: BTreeMap<String, Vec<(Option<String>, ConfigRead)>> = BTreeMap::new();
    for (file, (path, facts)) in files.iter().enumerate() {
        for read in &facts.env_reads {
            let via = if read.validator.is_some() {
                "schema"
            } else {
                "process.env"
            };
            vars.entry(read.name.clone()).or_default().push((
                read.validator.clone(),
                ConfigRead {
                    file: path.to_string(),
                    line: read.span.line + 1,
                    via: via.into(),
                    default: read.default.clone(),
                    location: at(file as u32, read.span),
                },
            ));
        }
    }
    for read in &recorded.reads {
        vars.entry(read.name.clone()).or_default().push((
            None,
            ConfigRead {
                file: paths
                    .get(read.site.file as usize)
                    .cloned()
                    .unwrap_or_default(),
                line: read.name_span.line + 1,
                via: "ConfigService".into(),
                default: read.default.clone(),
                location: at(read.site.file, read.name_span),
            },
        ));
    }
    vars.into_iter()
        .map(|(name, mut reads)| {
            reads.sort_by(|(_, a), (_, b)| {
                (&a.file, a.location.name.start).cmp(&(&b.file, b.location.name.start))
            });
            reads.dedup_by(|(_, a), (_, b)| a.location == b.location);
            let mut validators: Vec<String> = reads.iter().filter_map(|(v, _)| v.clone()).collect();
            validators.sort();
            validators.dedup();
            let default = reads
                .iter()
                .find(|(v, r)| v.is_some() && r.default.is_some())
                .or_else(|| reads.iter().find(|(_, r)| r.default.is_some()))
                .and_then(|(_, r)| r.default.clone());
            ConfigVar {
                secret: looks_secret(&name),
                validated: !validators.is_empty(),
                validators,
                default,
                reads: reads.into_iter().map(|(_, r)| r).collect(),
                name,
            }
        })
        .collect()
}

fn at(file: u32, span: Span) -> Location {
    Location {
        file,
        call: span,
        name: span,
    }
}

/// `JWT_SECRET`, `DATABASE_URL`: upper-case words joined by underscores.
fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a variable's name says it holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let segments: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|s| !s.is_empty())
        .collect();
    let Some(last) = segments.last() else {
        return false;
    };
    SECRET_SUFFIXES.contains(last)
        || segments.iter().any(|s| SECRET_SEGMENTS.contains(s))
        || (matches!(*last, "URL" | "URI" | "DSN")
            && segments.iter().any(|s| CONNECTION_STORES.contains(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognized_by_name() {
        for secret in [
            "JWT_SECRET",
            "STRIPE_SECRET_KEY",
            "SENDGRID_API_KEY",
            "SENDGRID_WEBHOOK_TOKEN",
            "DB_PASSWORD",
            "DATABASE_URL",
            "REDIS_URL",
            "MONGO_URI",
            "GITHUB_PRIVATE_KEY_PATH",
        ] {
            assert!(looks_secret(secret), "{secret} is a secret");
        }
        for plain in [
            "PORT",
            "NODE_ENV",
            "ACCESS_TOKEN_TTL_SECONDS",
            "R2_ACCESS_KEY_ID",
            "APP_URL",
            "KEYCLOAK_REALM",
            "",
        ] {
            assert!(!looks_secret(plain), "{plain} is not a secret");
        }
    }

    #[test]
    fn env_names_are_upper_snake_case() {
        assert!(is_env_name("JWT_SECRET"));
        assert!(is_env_name("S3_BUCKET"));
        assert!(!is_env_name("database.host"));
        assert!(!is_env_name("3D"));
    }
}
