//! The global middleware stack: what each application runs before its routes, in execution order
//! (the app-level `use(...)` chain of the mount graph; NestJS's `app.use`, global pipes, guards,
//! interceptors and filters and `enableCors`), each classified, with its literal options.

use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;

use crate::facts::{BindingInit, Call, Expr, FileFacts};
use crate::frameworks::Framework;
use crate::inventory::build::is_auth;
use crate::resolve::describe;
use crate::resolve::graph::{Middleware, MountGraph, RouterKind};
use crate::resolve::value::{Env, Site, Text, Value};
use crate::resolve::Interp;
use crate::workspace::FileId;

use super::{literal_json, Place, Recorded as All};

/// Packages whose calls make middleware, and what that middleware does.
const PACKAGES: [(&str, &str); 33] = [
    ("helmet", "security-headers"),
    ("koa-helmet", "security-headers"),
    ("lusca", "security-headers"),
    ("hpp", "sanitizing"),
    ("express-mongo-sanitize", "sanitizing"),
    ("xss-clean", "sanitizing"),
    ("cors", "cors"),
    ("@koa/cors", "cors"),
    ("compression", "compression"),
    ("koa-compress", "compression"),
    ("express-rate-limit", "rate-limiting"),
    ("express-slow-down", "rate-limiting"),
    ("rate-limiter-flexible", "rate-limiting"),
    ("koa-ratelimit", "rate-limiting"),
    ("morgan", "logging"),
    ("pino-http", "logging"),
    ("express-pino-logger", "logging"),
    ("express-winston", "logging"),
    ("koa-logger", "logging"),
    ("body-parser", "body-parsing"),
    ("koa-bodyparser", "body-parsing"),
    ("@koa/bodyparser", "body-parsing"),
    ("koa-body", "body-parsing"),
    ("cookie-parser", "cookies"),
    ("express-session", "session"),
    ("cookie-session", "session"),
    ("koa-session", "session"),
    ("express-request-id", "request-id"),
    ("cls-rtracer", "request-id"),
    ("connect-timeout", "timeout"),
    ("serve-static", "static-files"),
    ("express-prom-bundle", "metrics"),
    ("passport", "auth"),
];

/// Express's own middleware factories.
const EXPRESS_BUILTINS: [(&str, &str); 5] = [
    ("json", "body-parsing"),
    ("urlencoded", "body-parsing"),
    ("raw", "body-parsing"),
    ("text", "body-parsing"),
    ("static", "static-files"),
];

/// Methods of a Nest application that add to what runs before every route.
const NEST_SETUP: [&str; 6] = [
    "use",
    "useGlobalPipes",
    "useGlobalGuards",
    "useGlobalInterceptors",
    "useGlobalFilters",
    "enableCors",
];

/// What the middleware recognizer saw during resolution.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Calls of middleware packages, with their literal options.
    pub calls: Vec<MiddlewareCall>,
    /// A Nest application's set-up calls, in the order they ran.
    pub nest: Vec<NestSetup>,
}

/// `cors({ origin: [...] })`, `express.json({ limit: '1mb' })`, `new ValidationPipe({...})`.
#[derive(Debug)]
pub struct MiddlewareCall {
    pub module: String,
    pub kind: &'static str,
    /// The call as middleware names it (`cors`, `express.json()`).
    pub label: String,
    pub site: Site,
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// `app.use(helmet())`, `app.useGlobalPipes(new ValidationPipe())`, `app.enableCors({...})`.
#[derive(Debug)]
pub struct NestSetup {
    pub method: String,
    /// Each argument as written, with the package its value comes from.
    pub items: Vec<(String, Option<String>)>,
    pub options: serde_json::Map<String, serde_json::Value>,
    pub site: Site,
}

/// The recognizer of middleware packages and Nest application set-up. It only observes: the
/// values stay what resolution makes of them.
pub struct GlobalMiddleware;

impl Framework for GlobalMiddleware {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Option<Value> {
        let names: Vec<&str> = path
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| *p != "default")
            .collect();
        let on_nest_app = module == "@nestjs/core"
            && names.first() == Some(&"NestFactory")
            && names.len() >= 2
            && names[names.len() - 2] == "()";
        if on_nest_app {
            let method = names.last().copied().unwrap_or("");
            if NEST_SETUP.contains(&method) {
                let args = cx.eval_args(&call.args, env);
                let items = args
                    .iter()
                    .map(|a| {
                        let module = match &a.value {
                            Value::External(e) => Some(e.module.to_string()),
                            _ => None,
                        };
                        (a.label.to_string(), module)
                    })
                    .collect();
                let options = match (method, args.first()) {
                    ("enableCors", Some(a)) => literal_options(&a.value),
                    _ => serde_json::Map::new(),
                };
                let nest = &mut cx.state::<Recorded>().nest;
                if !nest.iter().any(|n| n.site == site) {
                    nest.push(NestSetup {
                        method: method.to_string(),
                        items,
                        options,
                        site,
                    });
                }
            }
            return None;
        }
        let kind = package_kind(module, &names)?;
        let options = match call.args.iter().find(|a| matches!(a, Expr::Object(..))) {
            Some(arg) => literal_options(&cx.eval(arg, env)),
            None => serde_json::Map::new(),
        };
        let calls = &mut cx.state::<Recorded>().calls;
        if !calls.iter().any(|c| c.site == site) {
            calls.push(MiddlewareCall {
                module: module.to_string(),
                kind,
                label: describe(&if is_new {
                    Expr::New(Arc::new(call.clone()))
                } else {
                    Expr::Call(Arc::new(call.clone()))
                }),
                site,
                options,
            });
        }
        None
    }
}

/// What the middleware a package call makes does, when the package is a known one.
fn package_kind(module: &str, path: &[&str]) -> Option<&'static str> {
    match (module, path) {
        ("express", [name]) => EXPRESS_BUILTINS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k),
        ("@nestjs/common", ["ValidationPipe"]) => Some("validation"),
        _ => PACKAGES.iter().find(|(m, _)| *m == module).map(|(_, k)| *k),
    }
}

/// An object's literal options; what only the running code knows is `null`.
fn literal_options(value: &Value) -> serde_json::Map<String, serde_json::Value> {
    match literal_json(value) {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// One middleware of an application's global stack.
#[derive(Clone, Debug, Serialize)]
pub struct StackMiddleware {
    /// Where the application is created (`express()`, `NestFactory.create(...)`).
    pub app: Place,
    pub framework: String,
    /// Its place in the application's stack, from 1.
    pub order: u32,
    /// As written: `helmet()`, `cors`, `express.json()`, `apiLimiter`, `new ValidationPipe`.
    pub name: String,
    /// `security-headers`, `cors`, `request-id`, `compression`, `body-parsing`, `cookies`,
    /// `session`, `rate-limiting`, `logging`, `auth`, `validation`, `error-handling`,
    /// `static-files`, `metrics`, `sanitizing`, `timeout`, `interceptor` or `other`.
    pub kind: String,
    /// The path it is limited to (`app.use('/api', limiter)`); null for every path.
    pub path: Option<String>,
    /// The package that makes it, when its creating call is visible.
    pub package: Option<String>,
    /// Its literal options (CORS origins, body size limits, ...); options only known at run time
    /// are null.
    pub options: serde_json::Map<String, serde_json::Value>,
    pub rate_limit: Option<String>,
    /// Where the middleware is created, when visible.
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// The stack of every application, by where the application is created, then in order.
pub fn derive(
    graph: &MountGraph,
    recorded: &All,
    files: &[(&str, &FileFacts)],
    paths: &[String],
) -> Vec<StackMiddleware> {
    let calls = &recorded.middleware.calls;
    let mut out = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        if node.kind != RouterKind::App {
            continue;
        }
        // `use(...)` entries and the middleware written in mounting calls, in the order written.
        let mut chain: Vec<(u64, Option<&Text>, &[Middleware])> = node
            .uses
            .iter()
            .map(|u| (u.seq, u.prefix.as_ref(), u.middleware.as_slice()))
            .collect();
        chain.extend(
            graph
                .mounts
                .iter()
                .filter(|m| m.parent == id as u32 && !m.middleware.is_empty())
                .map(|m| (m.seq, Some(&m.prefix), m.middleware.as_slice())),
        );
        chain.sort_by_key(|(seq, _, _)| *seq);
        let app = Place::of(&node.origin, paths);
        let mut order = 0;
        for (_, prefix, middleware) in chain {
            for m in middleware {
                order += 1;
                let call = find_call(calls, &m.name, files, node.origin.file);
                out.push(entry(
                    &app,
                    node.framework,
                    order,
                    &m.name,
                    prefix.map(|p| p.text.clone()),
                    call,
                    m.rate_limit.clone(),
                    None,
                    paths,
                ));
            }
        }
    }
    out.extend(nest_stack(recorded, files, paths));
    out
}

/// The Nest application's set-up calls as one stack.
fn nest_stack(
    recorded: &All,
    files: &[(&str, &FileFacts)],
    paths: &[String],
) -> Vec<StackMiddleware> {
    let setup = &recorded.middleware.nest;
    let Some(first) = setup.first() else {
        return Vec::new();
    };
    let app =
        nest_app_place(files, first.site.file).unwrap_or_else(|| Place::of(&first.site, paths));
    let mut out = Vec::new();
    for s in setup {
        let mut items: Vec<(String, Option<String>)> = s.items.clone();
        if s.method == "enableCors" {
            items = vec![("enableCors".to_string(), None)];
        }
        for (name, module) in items {
            let call = find_call(&recorded.middleware.calls, &name, files, s.site.file);
            let mut m = entry(
                &app,
                "nestjs",
                out.len() as u32 + 1,
                &name,
                None,
                call,
                None,
                Some(s.method.as_str()),
                paths,
            );
            if s.method == "enableCors" {
                m.options = s.options.clone();
                m.file = Some(Place::of(&s.site, paths).file);
                m.line = Some(Place::of(&s.site, paths).line);
            }
            m.package = m.package.or(module);
            out.push(m);
        }
    }
    out
}

/// `NestFactory.create(...)` in the file that sets the application up.
fn nest_app_place(files: &[(&str, &FileFacts)], file: FileId) -> Option<Place> {
    let (path, facts) = files.get(file as usize)?;
    facts.calls.iter().find_map(|c| match &c.expr {
        Expr::Call(call) => match &call.callee {
            Expr::Member(object, m, _)
                if m == "create"
                    && matches!(object.as_ref(), Expr::Ident(n, _) if n == "NestFactory") =>
            {
                Some(Place {
                    file: path.to_string(),
                    line: call.name_span.line + 1,
                })
            }
            _ => None,
        },
        _ => None,
    })
}

#[allow(clippy::too_many_arguments)]
fn entry(
    app: &Place,
    framework: &str,
    order: u32,
    name: &str,
    path: Option<String>,
    call: Option<&MiddlewareCall>,
    rate_limit: Option<String>,
    nest_method: Option<&str>,
    paths: &[String],
) -> StackMiddleware {
    let place = call.map(|c| Place::of(&c.site, paths));
    StackMiddleware {
        app: app.clone(),
        framework: framework.to_string(),
        order,
        name: name.to_string(),
        kind: classify(
            name,
            call.map(|c| c.kind),
            rate_limit.is_some(),
            nest_method,
        )
        .to_string(),
        path,
        package: call.map(|c| c.module.clone()),
        options: call.map(|c| c.options.clone()).unwrap_or_default(),
        rate_limit,
        file: place.as_ref().map(|p| p.file.clone()),
        line: place.map(|p| p.line),
    }
}

/// The package call that made the middleware named `name`: a call written in place (named as
/// written), or the call a module-level binding of that name holds (`const apiLimiter =
/// rateLimit({...})`). Calls in the application's own file come first.
fn find_call<'c>(
    calls: &'c [MiddlewareCall],
    name: &str,
    files: &[(&str, &FileFacts)],
    app_file: FileId,
) -> Option<&'c MiddlewareCall> {
    calls
        .iter()
        .filter(|c| {
            c.label == name
                || files.get(c.site.file as usize).is_some_and(|(_, facts)| {
                    facts.bindings.iter().any(|b| {
                    b.name == name
                        && matches!(&b.init, BindingInit::Expr(Expr::Call(call) | Expr::New(call))
                                if call.span == c.site.call)
                })
                })
        })
        .min_by_key(|c| (c.site.file != app_file, c.site.file, c.site.call.start))
}

/// What a middleware does: by the package that makes it, by the Nest method that installs it,
/// else by its name.
fn classify(
    name: &str,
    package: Option<&'static str>,
    limits_rate: bool,
    nest_method: Option<&str>,
) -> &'static str {
    if let Some(kind) = package {
        return kind;
    }
    match nest_method {
        Some("useGlobalFilters") => return "error-handling",
        Some("useGlobalPipes") => return "validation",
        Some("enableCors") => return "cors",
        _ => {}
    }
    let lower = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if limits_rate || has(&["ratelimit", "limiter", "throttl", "slowdown"]) {
        "rate-limiting"
    } else if is_auth(name, &[]) || nest_method == Some("useGlobalGuards") {
        "auth"
    } else if has(&["error", "notfound", "404"]) {
        "error-handling"
    } else if has(&["requestid", "request_id", "correlation", "traceid"]) {
        "request-id"
    } else if has(&["cors"]) {
        "cors"
    } else if has(&["helmet", "securityheaders"]) {
        "security-headers"
    } else if has(&["compress"]) {
        "compression"
    } else if has(&["logger", "logging", "morgan", "httplog"]) {
        "logging"
    } else if has(&["json", "urlencoded", "bodyparser", "rawbody"]) {
        "body-parsing"
    } else if has(&["validat"]) {
        "validation"
    } else if nest_method == Some("useGlobalInterceptors") || has(&["interceptor"]) {
        "interceptor"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middleware_is_classified_by_package_then_by_name() {
        assert_eq!(classify("cors", Some("cors"), false, None), "cors");
        assert_eq!(classify("apiLimiter", None, true, None), "rate-limiting");
        assert_eq!(classify("authenticate", None, false, None), "auth");
        assert_eq!(
            classify("errorHandler", None, false, None),
            "error-handling"
        );
        assert_eq!(classify("notFound", None, false, None), "error-handling");
        assert_eq!(classify("requestId()", None, false, None), "request-id");
        assert_eq!(classify("httpLogger", None, false, None), "logging");
        assert_eq!(
            classify(
                "new AllExceptionsFilter",
                None,
                false,
                Some("useGlobalFilters")
            ),
            "error-handling"
        );
        assert_eq!(
            classify(
                "new TimingInterceptor",
                None,
                false,
                Some("useGlobalInterceptors")
            ),
            "interceptor"
        );
        assert_eq!(classify("tenantContext", None, false, None), "other");
    }
}
