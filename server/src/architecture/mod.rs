//! The backend's architecture, derived from its code and manifests: the technology stack, the
//! global middleware stack, the configuration variables, background jobs, caches and the
//! health/operations routes.
//!
//! Recognizers of package values (BullMQ, ioredis, `@nestjs/config`, middleware packages) are
//! [`Framework`](crate::frameworks::Framework) implementations that record what they see during
//! resolution into [`Recorded`]; environment reads are per-file facts; the stack comes from
//! `package.json` files and lockfiles. [`apply`] turns all of it into the inventory's sections.

pub mod caches;
pub mod config_vars;
pub mod health;
pub mod jobs;
pub mod lockfile;
pub mod middleware_stack;
mod render;
pub mod stack;

use std::collections::BTreeSet;
use std::rc::Rc;

use serde::Serialize;

pub use caches::Cache;
pub use config_vars::ConfigVar;
pub use jobs::JobsInventory;
pub use middleware_stack::StackMiddleware;
pub use render::render_architecture;
pub use stack::Stack;

use crate::facts::FileFacts;
use crate::inventory::chain::CallGraph;
use crate::inventory::Inventory;
use crate::resolve::value::{Arg, Env, FnRef, FnValue, Site, Value};
use crate::resolve::{Interp, Resolution};

/// What the recognizers recorded during one resolution.
#[derive(Debug, Default)]
pub struct Recorded {
    pub jobs: jobs::Recorded,
    pub caches: caches::Recorded,
    pub config: config_vars::Recorded,
    pub middleware: middleware_stack::Recorded,
}

impl Recorded {
    /// Collects what the recognizers kept, after reading what only the facts show (module-level
    /// `setInterval` loops).
    pub fn take(cx: &mut Interp<'_>) -> Recorded {
        jobs::module_intervals(cx);
        Recorded {
            jobs: cx.take_state(),
            caches: cx.take_state(),
            config: cx.take_state(),
            middleware: cx.take_state(),
        }
    }
}

/// Fills the inventory's architecture sections and flags its health routes.
pub fn apply(
    inv: &mut Inventory,
    resolution: &Resolution,
    files: &[(&str, &FileFacts)],
    stack: Stack,
) {
    let paths: Vec<String> = files.iter().map(|(p, _)| p.to_string()).collect();
    let recorded = &resolution.architecture;
    inv.stack = stack;
    inv.middleware_stack = middleware_stack::derive(&resolution.graph, recorded, files, &paths);
    inv.config = config_vars::derive(files, &recorded.config, &paths);
    inv.jobs = jobs::derive(&recorded.jobs, &paths);
    inv.caches = caches::derive(&recorded.caches, &paths);
    let reach = RouteReach::new(inv, resolution, files);
    for producer in inv.jobs.queues.iter_mut().flat_map(|q| &mut q.producers) {
        producer.routes = reach.routes_of(producer.by.iter());
    }
    for key in inv.caches.iter_mut().flat_map(|c| &mut c.keys) {
        key.routes = reach.routes_of(key.by.iter());
    }
    for route in &mut inv.routes {
        route.health = health::classify(route, files);
    }
}

/// What each route's handler reaches through the call graph, for naming the routes behind a
/// producer or a cache use.
struct RouteReach {
    routes: Vec<(String, BTreeSet<FnRef>)>,
}

impl RouteReach {
    fn new(inv: &Inventory, resolution: &Resolution, files: &[(&str, &FileFacts)]) -> RouteReach {
        let graph = CallGraph::new(resolution, files);
        let routes = inv
            .routes
            .iter()
            .filter_map(|r| {
                let start = r.handler.as_ref()?.func?;
                Some((format!("{} {}", r.method, r.path), graph.reach(start)))
            })
            .collect();
        RouteReach { routes }
    }

    /// The routes (`METHOD PATH`) whose handler reaches one of `functions`, sorted.
    fn routes_of<'f>(&self, functions: impl Iterator<Item = &'f FnRef> + Clone) -> Vec<String> {
        let mut out: Vec<String> = self
            .routes
            .iter()
            .filter(|(_, reached)| functions.clone().any(|f| reached.contains(f)))
            .map(|(route, _)| route.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A place in the source: a file and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u32,
}

impl Place {
    fn of(site: &Site, paths: &[String]) -> Place {
        Place {
            file: paths.get(site.file as usize).cloned().unwrap_or_default(),
            line: site.name.line + 1,
        }
    }
}

/// The named function a call is written in: the innermost enclosing function that has a name
/// (an arrow inside a method belongs to the method), named as handlers are (`Class.method`).
#[derive(Clone, Debug, PartialEq)]
pub struct Enclosing {
    pub func: FnRef,
    pub name: String,
}

/// The function `env` runs, as [`Enclosing`]; `None` at module level.
pub fn enclosing(cx: &Interp<'_>, env: &Rc<Env>) -> Option<Enclosing> {
    let facts = cx.facts(env.file);
    let mut id = env.function?;
    for _ in 0..64 {
        let function = facts.function(id)?;
        if function.name.is_some() {
            break;
        }
        id = function.parent?;
    }
    let func = FnRef { file: env.file, id };
    let handler = cx.handler_ref(&function_arg(func));
    Some(Enclosing {
        func,
        name: handler.name,
    })
}

/// A function as an argument, for naming it the way handlers are named.
fn function_arg(func: FnRef) -> Arg {
    Arg {
        value: Value::Function(FnValue::new(func, None)),
        label: Rc::from(""),
        site: None,
        inner: None,
    }
}

/// A value that was not written as an argument (an option's property), named the way resolution
/// names such values.
fn option_arg(cx: &Interp<'_>, value: &Value) -> Arg {
    Arg {
        value: value.clone(),
        label: Rc::from(cx.label_of(value).as_str()),
        site: None,
        inner: None,
    }
}

/// A literal value as JSON; `null` for what is only known at run time.
pub fn literal_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Text(t) if !t.dynamic => serde_json::Value::String(t.text.clone()),
        Value::Num(n) => serde_json::Number::from_f64(*n)
            .map(|n| match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => serde_json::Value::from(f as i64),
                _ => serde_json::Value::Number(n),
            })
            .unwrap_or(serde_json::Value::Null),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Array(items) => items.iter().map(literal_json).collect(),
        Value::Object(o) => serde_json::Value::Object(
            o.props
                .iter()
                .map(|(k, v)| (k.clone(), literal_json(v)))
                .collect(),
        ),
        _ => serde_json::Value::Null,
    }
}

/// A number the code shows, when it is one.
fn number(value: Option<&Value>) -> Option<f64> {
    match value {
        Some(Value::Num(n)) => Some(*n),
        Some(Value::Text(t)) if !t.dynamic => t.text.trim().parse().ok(),
        _ => None,
    }
}

/// A string the code shows: literal, or with its run-time parts written `${source}`.
fn text(value: Option<&Value>) -> Option<crate::resolve::value::Text> {
    match value {
        Some(Value::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::workspace::{Config, Workspace};

    /// The architecture sections for `files`, in the expectation format, without the empty ones.
    fn sections(files: &[(&str, &str)]) -> String {
        let mut ws = Workspace::new(PathBuf::from("/fixture"), Config::default());
        for (path, text) in files {
            ws.set_text(path, text).expect("fixture file parses");
        }
        super::render_architecture(&ws.inventory())
            .split("\n\n")
            .filter(|s| s.contains('\n') || !s.starts_with('#'))
            .filter(|s| s.trim().lines().count() > 1)
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    #[test]
    fn bull_agenda_cron_and_node_cache() {
        let out = sections(&[(
            "src/jobs.ts",
            "import Bull from 'bull';
import Agenda from 'agenda';
import { CronJob } from 'cron';
import NodeCache from 'node-cache';
import Redis from 'ioredis';

const reports = new Bull('reports');
reports.process('daily', 2, async (job) => {});
export async function requestReport() {
  await reports.add('daily', { at: Date.now() });
  await reports.add({ adhoc: true });
}

const agenda = new Agenda({ db: { address: 'mongodb://localhost/agenda' } });
agenda.define('cleanup', async () => {});
agenda.every('1 hour', 'cleanup');

new CronJob('*/10 * * * *', function rotateKeys() {});

const local = new NodeCache({ stdTTL: 30 });
const redis = new Redis();
export function remember(userId: string, token: string) {
  local.set(`session:${userId}`, token, 60);
  redis.setex(`token:${token}`, 3600, userId);
  redis.multi().incr(`hits:${userId}`).expire(`hits:${userId}`, 60).exec();
}
",
        )]);
        assert_eq!(
            out,
            "# jobs
queue cleanup  library=agenda
  consumer define src/jobs.ts:15  handler=<inline>@src/jobs.ts:15
queue reports  library=bull  declared=[src/jobs.ts:7]  jobs=[daily]
  producer add src/jobs.ts:10  job=daily  in=requestReport
  producer add src/jobs.ts:11  in=requestReport
  consumer process src/jobs.ts:8  job=daily  handler=<inline>@src/jobs.ts:8
schedule 1 hour  library=agenda  job=cleanup  at=src/jobs.ts:16
schedule */10 * * * *  library=cron  handler=rotateKeys@src/jobs.ts:18  at=src/jobs.ts:18

# caches
cache in-process node-cache  at=src/jobs.ts:20  ttl=30s  used_by=[remember]
  key session:*  commands=[set]  ttl=1min  at=[src/jobs.ts:23]
cache redis ioredis  at=src/jobs.ts:21  used_by=[remember]
  key hits:*  commands=[expire, incr]  ttl=1min  at=[src/jobs.ts:25]
  key token:*  commands=[setex]  ttl=1h  at=[src/jobs.ts:24]"
        );
    }
}
