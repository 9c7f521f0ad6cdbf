//! Fastify: `fastify()`, `METHOD(path, [options], handler)`, `route({ method, url, handler })`,
//! hooks (`onRequest`, `preHandler`… in route options or `addHook`) as middleware,
//! `register(plugin, { prefix })` (each plugin gets its own node under the prefix, except
//! `fastify-plugin`-wrapped ones, which share their parent's), and `@fastify/autoload`, whose
//! routes take their prefix from their directory.

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use crate::facts::{BindingInit, Call, ExportTarget, Expr, FnId, Pattern};
use crate::resolve::graph::{NodeKey, RouterId, RouterKind};
use crate::resolve::value::{Arg, Env, External, FnRef, FnValue, Site, Text, Value};
use crate::resolve::Interp;
use crate::workspace::FileId;

use super::routing::{self, hash_str, synthetic_arg, text_prop};
use super::{Framework, Handle};

pub struct Fastify;

const NAME: &str = "fastify";

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "options", "head", "all",
];

/// Hooks that run before the handler, in the order Fastify runs them.
const HOOKS: [&str; 4] = ["onRequest", "preParsing", "preValidation", "preHandler"];

const AUTOLOAD: [&str; 2] = ["@fastify/autoload", "fastify-autoload"];

const RATE_LIMIT: [&str; 2] = ["@fastify/rate-limit", "fastify-rate-limit"];

const SOURCE_EXTENSIONS: [&str; 6] = [".ts", ".js", ".mts", ".cts", ".mjs", ".cjs"];

#[derive(Default)]
struct FastifyState {
    /// Plugins wrapped with `fastify-plugin`: they run in their parent's context.
    shared: HashSet<FnRef>,
}

impl Framework for Fastify {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        _is_new: bool,
    ) -> Option<Value> {
        let path: Vec<&str> = path.iter().map(|p| p.as_ref()).collect();
        match (module, path.as_slice()) {
            ("fastify", [] | ["default"] | ["fastify"] | ["Fastify"]) => {
                let key = (site.file, call.span.start, env.ctx);
                let id = cx.router(key, NAME, RouterKind::App, site);
                Some(Value::Handle(Handle::Router(id)))
            }
            ("fastify-plugin", [] | ["default"] | ["fastifyPlugin"]) => {
                let plugin = call.args.first().map(|a| cx.eval(a, env))?;
                if let Value::Function(f) = &plugin {
                    cx.state::<FastifyState>().shared.insert(f.func);
                }
                Some(plugin)
            }
            _ => None,
        }
    }

    fn typed(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        key: NodeKey,
        site: Site,
        _ty: &str,
    ) -> Option<Value> {
        let last = path.last().map(|p| p.as_ref());
        if module != "fastify" || !matches!(last, Some("FastifyInstance")) {
            return None;
        }
        let kind = if is_cli_root(cx, site.file, key.1) {
            RouterKind::App
        } else {
            RouterKind::Param
        };
        Some(Value::Handle(Handle::Router(
            cx.router(key, NAME, kind, site),
        )))
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
        let router = routing::own_router(cx, receiver, NAME)?;
        let same = Some(Value::Handle(Handle::Router(router)));
        if METHODS.contains(&method) {
            if call.args.len() < 2 {
                return Some(Value::unknown(method));
            }
            let args = cx.eval_args(&call.args, env);
            shorthand(cx, router, method, call, &args, env, site);
            return same;
        }
        match method {
            "route" => {
                let args = cx.eval_args(&call.args, env);
                if let Some(options) = args.first() {
                    route(cx, router, call.args.first(), options, env, site);
                }
                same
            }
            "register" => {
                let args = cx.eval_args(&call.args, env);
                if let Some(plugin) = args.first() {
                    let options = args.get(1).cloned();
                    register(cx, router, plugin, options, call, env, site);
                }
                same
            }
            "addHook" => {
                let args = cx.eval_args(&call.args, env);
                let is_guard = matches!(args.first().map(|a| &a.value),
                    Some(Value::Text(t)) if HOOKS.contains(&t.text.as_str()));
                if is_guard {
                    let written = call.args.get(1..).unwrap_or(&[]);
                    let hooks = decorator_names(cx, written, args[1..].to_vec(), env);
                    let middleware = routing::flatten_arrays(cx, &hooks)
                        .iter()
                        .map(|a| cx.middleware(a))
                        .collect();
                    // A hook applies to every route of its context, whenever it was added.
                    routing::add_uses(cx, router, Vec::new(), middleware, 0);
                }
                same
            }
            // `fastify.rateLimit({ max, timeWindow })` as a route's hook.
            "rateLimit" => {
                let options = match call.args.first() {
                    Some(a) => cx.eval(a, env),
                    None => Value::Nullish,
                };
                let label = crate::resolve::describe(&Expr::Call(Arc::new(call.clone())));
                Some(
                    rate_limiter(&options, "fastify.rateLimit")
                        .map(|a| a.value)
                        .unwrap_or_else(|| Value::unknown(&label)),
                )
            }
            // `fastify.withTypeProvider<T>()` is the same instance, typed.
            "withTypeProvider" => same,
            "decorate"
            | "decorateRequest"
            | "decorateReply"
            | "setErrorHandler"
            | "setNotFoundHandler"
            | "addSchema"
            | "addContentTypeParser"
            | "after" => same,
            _ => Some(Value::unknown(method)),
        }
    }

    fn call_unknown(
        &self,
        cx: &mut Interp<'_>,
        receiver: &str,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let belongs = uses_fastify(cx, site.file)
            || receiver == "fastify"
            || routing::unresolved_belongs_to(cx, site.file, &["fastify"]);
        if !belongs {
            return None;
        }
        let root = match cli_root_param(cx, site.file) {
            Some((function, name, start)) if name == receiver && env.function == Some(function) => {
                Some(cx.router((site.file, start, 0), NAME, RouterKind::App, site))
            }
            _ => None,
        };
        let is_route = (METHODS.contains(&method) && routing::route_shaped(call))
            || (method == "route" && matches!(call.args.first(), Some(Expr::Object(..))));
        let is_setup = matches!(method, "register" | "addHook");
        if !is_route && !(is_setup && (root.is_some() || is_instance_name(receiver))) {
            return None;
        }
        let router = match root {
            Some(r) => r,
            None => routing::unresolved_router(cx, NAME, receiver, env, site),
        };
        self.call_method(cx, &Handle::Router(router), method, call, env, site)
    }
}

/// Names an untyped Fastify instance parameter usually has.
fn is_instance_name(receiver: &str) -> bool {
    matches!(
        receiver,
        "fastify" | "app" | "server" | "instance" | "f" | "fastifyInstance"
    )
}

/// Whether a file imports or requires Fastify or one of its plugins.
/// Whether each file imports or requires Fastify, cached: it is asked on every unresolved call,
/// and the scan is over all of a file's bindings.
#[derive(Default)]
struct FilesUsingFastify(std::collections::HashMap<FileId, bool>);

fn uses_fastify(cx: &mut Interp<'_>, file: FileId) -> bool {
    if let Some(known) = cx.state::<FilesUsingFastify>().0.get(&file) {
        return *known;
    }
    let from_fastify =
        |m: &str| m == "fastify" || m.starts_with("fastify-") || m.starts_with("@fastify/");
    let uses = cx
        .facts(file)
        .imports
        .iter()
        .any(|i| from_fastify(&i.module))
        || cx.facts(file).bindings.iter().any(|b| match &b.init {
            BindingInit::Expr(Expr::Call(c)) => {
                matches!(&c.callee, Expr::Ident(n, _) if n == "require")
                    && matches!(c.args.first(), Some(Expr::Str(m, _)) if from_fastify(m))
            }
            _ => false,
        });
    cx.state::<FilesUsingFastify>().0.insert(file, uses);
    uses
}

/// The instance parameter of the default export of an `app` module (its function, name and
/// offset): the root plugin that `fastify-cli` (`fastify start app.js`) runs at the root.
fn cli_root_param(cx: &Interp<'_>, file: FileId) -> Option<(FnId, String, u32)> {
    let path = cx.path(file);
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.split('.').next() != Some("app") {
        return None;
    }
    let facts = cx.facts(file);
    let export = facts.exports.iter().find(|e| e.name == "default")?;
    let function = match &export.target {
        ExportTarget::Expr(Expr::Function(id)) => Some(*id),
        ExportTarget::Local(local) => facts.bindings.iter().find_map(|b| match &b.init {
            BindingInit::Function(id) if b.name == *local && b.scope.is_none() => Some(*id),
            BindingInit::Expr(Expr::Function(id)) if b.name == *local && b.scope.is_none() => {
                Some(*id)
            }
            _ => None,
        }),
        _ => None,
    }?;
    match &facts.function(function)?.params.first()?.pattern {
        Pattern::Ident(name, span) => Some((function, name.clone(), span.start)),
        _ => None,
    }
}

fn is_cli_root(cx: &Interp<'_>, file: FileId, offset: u32) -> bool {
    cli_root_param(cx, file).is_some_and(|(_, _, start)| start == offset)
}

/// The hooks of route options, as middleware in the order they run (a route's own rate limit,
/// `config: { rateLimit: {...} }`, first: it runs on the request).
fn hooks(cx: &mut Interp<'_>, expr: Option<&Expr>, options: &Value, env: &Rc<Env>) -> Vec<Arg> {
    let mut out = Vec::new();
    if let Some(limit) =
        routing::prop(options, "config").and_then(|c| routing::prop(c, "rateLimit"))
    {
        out.extend(rate_limiter(limit, "config.rateLimit"));
    }
    for hook in HOOKS {
        let items = routing::option_items(cx, expr, options, hook, env);
        let written: Vec<Expr> = match routing::literal_prop(expr, hook) {
            Some(Expr::Array(items)) => items.clone(),
            Some(e) => vec![e.clone()],
            None => Vec::new(),
        };
        out.extend(decorator_names(cx, &written, items, env));
    }
    out
}

/// A decorator of the instance (`fastify.authenticate`, `app.authenticate`, `server.verifyJWT`)
/// is named `fastify.<name>`, whatever the instance is called where it is used.
fn decorator_names(
    cx: &mut Interp<'_>,
    written: &[Expr],
    mut args: Vec<Arg>,
    env: &Rc<Env>,
) -> Vec<Arg> {
    if written.len() != args.len() {
        return args;
    }
    for (expr, arg) in written.iter().zip(args.iter_mut()) {
        if let Expr::Member(object, prop, _) = expr {
            if let Value::Handle(handle) = cx.eval(object, env) {
                if routing::own_router(cx, &handle, NAME).is_some() {
                    arg.label = Rc::from(format!("fastify.{prop}").as_str());
                }
            }
        }
    }
    args
}

/// The handler given in route options (`{ handler }`).
fn option_handler(
    cx: &mut Interp<'_>,
    expr: Option<&Expr>,
    options: &Value,
    env: &Rc<Env>,
) -> Option<Arg> {
    routing::option_items(cx, expr, options, "handler", env)
        .into_iter()
        .next()
}

/// `METHOD(path, handler)`, `METHOD(path, options, handler)`, `METHOD(path, { handler, ... })`.
fn shorthand(
    cx: &mut Interp<'_>,
    router: RouterId,
    method: &str,
    call: &Call,
    args: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    let path = &args[0];
    let options_index = match args.len() {
        2 if matches!(args[1].value, Value::Object(_)) => Some(1),
        2 => None,
        _ => Some(1),
    };
    let (middleware, handler) = match options_index {
        Some(i) => {
            let expr = call.args.get(i);
            let middleware = hooks(cx, expr, &args[i].value, env);
            let handler = if args.len() > i + 1 {
                args.last().cloned()
            } else {
                option_handler(cx, expr, &args[i].value, env)
            };
            (middleware, handler)
        }
        None => (Vec::new(), args.last().cloned()),
    };
    routing::register(
        cx,
        router,
        &[method.to_string()],
        path,
        handler.as_slice(),
        &middleware,
        env,
        site,
    );
}

/// `route({ method, url, handler, preHandler })`.
fn route(
    cx: &mut Interp<'_>,
    router: RouterId,
    expr: Option<&Expr>,
    options: &Arg,
    env: &Rc<Env>,
    site: Site,
) {
    let value = &options.value;
    let methods: Vec<String> = routing::prop(value, "method")
        .map(routing::method_names)
        .unwrap_or_default();
    let path = text_prop(value, "url")
        .or_else(|| text_prop(value, "path"))
        .unwrap_or_else(|| Text::unknown(&format!("{}.url", options.label)));
    let mut path_arg = synthetic_arg(Value::Text(path));
    path_arg.site = options.site;
    let middleware = hooks(cx, expr, value, env);
    let handler = option_handler(cx, expr, value, env);
    routing::register(
        cx,
        router,
        &methods,
        &path_arg,
        handler.as_slice(),
        &middleware,
        env,
        site,
    );
}

/// `register(plugin, options)`: runs the plugin with a child context under `options.prefix`.
fn register(
    cx: &mut Interp<'_>,
    router: RouterId,
    plugin: &Arg,
    options: Option<Arg>,
    call: &Call,
    env: &Rc<Env>,
    site: Site,
) {
    let options_value = options
        .as_ref()
        .map(|o| o.value.clone())
        .unwrap_or(Value::Nullish);
    match &plugin.value {
        Value::Function(f) => {
            let prefix = text_prop(&options_value, "prefix");
            let key = (site.file, call.span.start, env.ctx);
            run_plugin(cx, router, f, prefix, options, key, env, site, 0);
        }
        Value::External(e) if AUTOLOAD.contains(&e.module.as_ref()) && e.path.len() <= 1 => {
            autoload(cx, router, call, &options_value, env, site);
        }
        // `@fastify/rate-limit` limits every route of the application unless `global: false`.
        Value::External(e) if RATE_LIMIT.contains(&e.module.as_ref()) && e.path.len() <= 1 => {
            let global = !matches!(
                routing::prop(&options_value, "global"),
                Some(Value::Bool(false))
            );
            if let (true, Some(limiter)) = (global, rate_limiter(&options_value, "rateLimit")) {
                let middleware = vec![cx.middleware(&limiter)];
                routing::add_uses(cx, router, Vec::new(), middleware, 0);
            }
        }
        _ => {}
    }
}

/// A rate limiter from `@fastify/rate-limit` options (`{ max: 100, timeWindow: '1 minute' }`),
/// as middleware named `name`.
fn rate_limiter(options: &Value, name: &str) -> Option<Arg> {
    let max = match routing::prop(options, "max")? {
        Value::Num(n) => *n,
        _ => return None,
    };
    let window = match routing::prop(options, "timeWindow") {
        Some(Value::Num(ms)) => Some(*ms),
        Some(Value::Text(t)) => duration_ms(&t.text),
        None => Some(60_000.0),
        _ => None,
    };
    let limit = window.map(|w| Rc::from(crate::resolve::rate_text(max, w).as_str()));
    Some(Arg {
        value: Value::External(Rc::new(External {
            module: Rc::from(RATE_LIMIT[0]),
            path: Vec::new(),
            rate_limit: limit,
            label: Some(Rc::from(name)),
            wraps: None,
        })),
        label: Rc::from(name),
        site: None,
        inner: None,
    })
}

/// `'1 minute'`, `'15 minutes'`, `'30s'`, `'2h'` in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let amount: f64 = text[..split].parse().ok()?;
    let unit = text[split..].trim().to_ascii_lowercase();
    let factor = match unit.as_str() {
        "" | "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        _ => return None,
    };
    Some(amount * factor)
}

/// Runs a plugin function with the context it gets: its parent's for a `fastify-plugin`-wrapped
/// plugin without a prefix, a new child mounted under the prefix otherwise.
#[allow(clippy::too_many_arguments)]
fn run_plugin(
    cx: &mut Interp<'_>,
    parent: RouterId,
    f: &FnValue,
    prefix: Option<Text>,
    options: Option<Arg>,
    key: NodeKey,
    env: &Rc<Env>,
    site: Site,
    salt: u64,
) -> RouterId {
    let shared = cx.state::<FastifyState>().shared.contains(&f.func);
    let context = if shared && prefix.is_none() {
        parent
    } else {
        let child = cx.router(key, NAME, RouterKind::Router, site);
        let prefix = prefix.unwrap_or_else(|| Text::literal(""));
        routing::mount(cx, parent, child, prefix, Vec::new());
        child
    };
    let mut args = vec![Arg {
        value: Value::Handle(Handle::Router(context)),
        label: Rc::from("fastify"),
        site: None,
        inner: None,
    }];
    args.extend(options);
    cx.invoke(env, f, args, None, site, salt);
    context
}

/// `register(autoload, { dir, options: { prefix } })`: every plugin file under `dir`, prefixed
/// by its directory (or by its `autoPrefix` export).
fn autoload(
    cx: &mut Interp<'_>,
    router: RouterId,
    call: &Call,
    options: &Value,
    env: &Rc<Env>,
    site: Site,
) {
    let here = cx.path(site.file);
    let dir = match routing::literal_prop(call.args.get(1), "dir") {
        Some(expr) => directory(expr, here),
        None => None,
    };
    let Some(dir) = dir else {
        return;
    };
    let inner = routing::prop(options, "options").cloned();
    let base = inner
        .as_ref()
        .and_then(|o| text_prop(o, "prefix"))
        .unwrap_or_else(|| Text::literal(""));
    let dir_prefix = !matches!(
        routing::prop(options, "dirNameRoutePrefix"),
        Some(Value::Bool(false))
    );
    let flag = |name: &str| matches!(routing::prop(options, name), Some(Value::Bool(true)));
    let auto_hooks = flag("autoHooks");
    let cascade = flag("cascadeHooks");
    let route_params = matches!(
        routing::prop(options, "routeParams"),
        Some(Value::Bool(true))
    );
    let prefix_dir = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let files: Vec<(FileId, String)> = (0..cx.file_count() as FileId)
        .filter_map(|f| {
            let path = cx.path(f);
            let rel = path.strip_prefix(&prefix_dir)?;
            SOURCE_EXTENSIONS
                .iter()
                .any(|e| rel.ends_with(e))
                .then(|| (f, rel.to_string()))
        })
        .collect();
    let is_index = |name: &str| name.split('.').next() == Some("index");
    for (file, rel) in &files {
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
        if name.starts_with("autohooks.") {
            continue;
        }
        // A folder with an index file loads only that file (and its subfolders).
        let folder_has_index = files.iter().any(|(_, other)| {
            let (d, n) = other.rsplit_once('/').unwrap_or(("", other.as_str()));
            d == folder && is_index(n)
        });
        if folder_has_index && !is_index(name) {
            continue;
        }
        let Value::Function(plugin) = cx.export_value(*file, "default") else {
            continue;
        };
        let folder_prefix = if dir_prefix && !folder.is_empty() {
            let segments: Vec<String> = folder
                .split('/')
                .map(|s| match s.strip_prefix('_') {
                    Some(param) if route_params => format!(":{param}"),
                    _ => s.to_string(),
                })
                .collect();
            format!("/{}", segments.join("/"))
        } else {
            String::new()
        };
        let own = match cx.export_value(*file, "autoPrefix") {
            Value::Text(t) => t,
            _ => Text::literal(folder_prefix),
        };
        let prefix = match cx.export_value(*file, "prefixOverride") {
            Value::Text(t) => t,
            _ => Text {
                text: format!("{}{}", base.text.trim_end_matches('/'), own.text),
                dynamic: base.dynamic || own.dynamic,
            },
        };
        let key = (
            site.file,
            call.span.start,
            env.ctx ^ ((hash_str(rel) as u64) << 16),
        );
        let plugin_options = inner.clone().map(synthetic_arg);
        let context = run_plugin(
            cx,
            router,
            &plugin,
            Some(prefix),
            plugin_options,
            key,
            env,
            site,
            *file as u64 + 1,
        );
        if !auto_hooks {
            continue;
        }
        // `autohooks` files add their hooks to the plugins of their folder (and, with
        // `cascadeHooks`, of the folders below it).
        for (hooks_file, hooks_rel) in &files {
            let (hooks_folder, hooks_name) = hooks_rel
                .rsplit_once('/')
                .unwrap_or(("", hooks_rel.as_str()));
            let applies = hooks_name.starts_with("autohooks.")
                && (hooks_folder == folder
                    || (cascade
                        && (hooks_folder.is_empty()
                            || folder.starts_with(&format!("{hooks_folder}/")))));
            if !applies {
                continue;
            }
            if let Value::Function(hooks) = cx.export_value(*hooks_file, "default") {
                let arg = Arg {
                    value: Value::Handle(Handle::Router(context)),
                    label: Rc::from("fastify"),
                    site: None,
                    inner: None,
                };
                let salt = ((*file as u64 + 1) << 32) | (*hooks_file as u64 + 1);
                cx.invoke(env, &hooks, vec![arg], None, site, salt);
            }
        }
    }
}

/// The root-relative directory `path.join(__dirname, 'routes')` names, from the file it is
/// written in.
fn directory(expr: &Expr, here: &str) -> Option<String> {
    let parts: Vec<&str> = match expr {
        // `fileURLToPath(new URL('./routes', import.meta.url))`, or the URL itself.
        Expr::Call(c) if crate::resolve::describe(&c.callee).ends_with("fileURLToPath") => {
            return directory(c.args.first()?, here);
        }
        Expr::New(c) if crate::resolve::describe(&c.callee) == "URL" => {
            let relative = match (c.args.first(), c.args.get(1).map(crate::resolve::describe)) {
                (Some(Expr::Str(s, _)), Some(base)) if base == "import.meta.url" => s.as_str(),
                _ => return None,
            };
            vec![relative]
        }
        Expr::Call(c) => {
            let callee = crate::resolve::describe(&c.callee);
            if !(callee.ends_with("join") || callee.ends_with("resolve")) {
                return None;
            }
            let base = c.args.first().map(crate::resolve::describe);
            if !matches!(
                base.as_deref(),
                Some("__dirname" | "import.meta.dirname" | "import.meta.dir")
            ) {
                return None;
            }
            c.args[1..]
                .iter()
                .map(|a| match a {
                    Expr::Str(s, _) => Some(s.as_str()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?
        }
        _ => return None,
    };
    let mut segments: Vec<&str> = match here.rsplit_once('/') {
        Some((d, _)) => d.split('/').collect(),
        None => Vec::new(),
    };
    for part in parts {
        for seg in part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segments.pop()?;
                }
                s => segments.push(s),
            }
        }
    }
    Some(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_windows_read_like_the_plugin_reads_them() {
        assert_eq!(duration_ms("1 minute"), Some(60_000.0));
        assert_eq!(duration_ms("15 minutes"), Some(900_000.0));
        assert_eq!(duration_ms("30s"), Some(30_000.0));
        assert_eq!(duration_ms("2h"), Some(7_200_000.0));
        assert_eq!(duration_ms("500"), Some(500.0));
        assert_eq!(duration_ms("soon"), None);
    }

    #[test]
    fn autoload_directory_is_relative_to_the_file() {
        let expr = |args: Vec<Expr>| {
            Expr::Call(Arc::new(Call {
                callee: Expr::Ident("join".into(), Default::default()),
                args,
                span: Default::default(),
                name_span: Default::default(),
            }))
        };
        let dirname = Expr::Ident("__dirname".into(), Default::default());
        let s = |t: &str| Expr::Str(t.into(), Default::default());
        assert_eq!(
            directory(&expr(vec![dirname.clone(), s("routes")]), "src/app.ts").as_deref(),
            Some("src/routes")
        );
        assert_eq!(
            directory(&expr(vec![dirname, s(".."), s("plugins")]), "src/app.ts").as_deref(),
            Some("plugins")
        );
        let url = Expr::New(Arc::new(Call {
            callee: Expr::Ident("URL".into(), Default::default()),
            args: vec![
                s("./routes"),
                Expr::Member(
                    Box::new(Expr::Ident("import.meta".into(), Default::default())),
                    "url".into(),
                    Default::default(),
                ),
            ],
            span: Default::default(),
            name_span: Default::default(),
        }));
        assert_eq!(directory(&url, "src/app.ts").as_deref(), Some("src/routes"));
    }
}
