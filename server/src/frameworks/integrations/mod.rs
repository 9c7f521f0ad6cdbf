//! Integrations: the third-party services the backend calls through their SDKs ([`catalog`],
//! extended by `[[integrations]]` in the config) or over HTTP to a fixed external host
//! ([`http`]). Where a client is created and every call through it are recorded as
//! [`Effect::Integration`]; the inventory names each call by the client it went through.

pub mod catalog;
pub mod http;

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::frameworks::{Framework, Handle};
use crate::resolve::describe;
use crate::resolve::graph::Effect;
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub use catalog::catalog_name;

/// Package functions that create a client when called on the package itself.
const FACTORIES: [&str; 8] = [
    "createClient",
    "createTransport",
    "initializeApp",
    "createConnection",
    "createPool",
    "createCluster",
    "connect",
    "client",
];

/// Methods of what a call returned (a promise, an array, a response), not of the client.
const RESULT_METHODS: [&str; 16] = [
    "then", "catch", "finally", "map", "filter", "forEach", "flatMap", "reduce", "find", "some",
    "every", "includes", "join", "slice", "toString", "json",
];

pub struct Integrations;

impl Framework for Integrations {
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
        if http::is_http_client(module) {
            http::record_client_call(cx, module, path, call, env, site);
            return None;
        }
        let name = catalog_name(module, &cx.options().integrations)?;
        let segments: Vec<&str> = path.iter().map(|s| &**s).collect();
        let last = segments.last().copied();
        // A command object (`new PutObjectCommand(...)`) is named by the call that sends it.
        if is_new && last.is_some_and(|l| l.ends_with("Command")) {
            return None;
        }
        let on_package = !segments.contains(&"()");
        if !on_package && last.is_some_and(|l| RESULT_METHODS.contains(&l)) {
            return None;
        }
        let creates = is_new
            || (on_package
                && (segments.is_empty() || last.is_some_and(|l| FACTORIES.contains(&l))));
        let effect = if creates {
            Effect::Integration {
                name: Some(catalog::refine(&name, module, cx, call, env)),
                package: module.to_string(),
                operation: creation(call, is_new),
                client: true,
            }
        } else {
            Effect::Integration {
                name: None,
                package: module.to_string(),
                operation: operation(&segments, call),
                client: false,
            }
        };
        cx.add_effect(site, effect);
        None
    }

    /// A call through a client another recognizer keeps as its own value (a BullMQ queue, a Redis
    /// cache client) is still a call to that service.
    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        call: &Call,
        _env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let package = match receiver {
            Handle::Jobs(i) => cx
                .state::<crate::architecture::jobs::Recorded>()
                .queues
                .get(*i as usize)
                .map(|q| q.library),
            Handle::Cache(i) => cx
                .state::<crate::architecture::caches::Recorded>()
                .clients
                .get(*i as usize)
                .map(|c| c.library),
            _ => None,
        }?;
        if RESULT_METHODS.contains(&method)
            || catalog_name(package, &cx.options().integrations).is_none()
        {
            return None;
        }
        let effect = Effect::Integration {
            name: None,
            package: package.to_string(),
            operation: operation(&[method], call),
            client: false,
        };
        cx.add_effect(site, effect);
        None
    }

    /// A global `fetch(url)` to a fixed external host.
    fn call_seen(&self, cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site) {
        if let Expr::Ident(name, _) = &call.callee {
            if name == "fetch" && cx.facts(env.file).lookup(name, env.function).is_none() {
                http::record_fetch(cx, call, env, site);
            }
        }
    }
}

/// How a client is created: `new S3Client`, `twilio()`, `createClient()`.
fn creation(call: &Call, is_new: bool) -> String {
    let callee = describe(&call.callee);
    if is_new {
        format!("new {callee}")
    } else {
        format!("{callee}()")
    }
}

/// What a call through a client does: the member path after the client (`paymentIntents.create`),
/// with the command it sends for the AWS SDK (`send(PutObjectCommand)`).
fn operation(segments: &[&str], call: &Call) -> String {
    let start = segments
        .iter()
        .rposition(|s| *s == "()")
        .map_or(0, |i| i + 1);
    let mut out = segments[start..].join(".");
    let command = call.args.iter().find_map(|a| match a {
        Expr::New(c) => match &c.callee {
            Expr::Ident(n, _) | Expr::Member(_, n, _) if n.ends_with("Command") => Some(n),
            _ => None,
        },
        _ => None,
    });
    if let Some(command) = command {
        out = format!("{out}({command})");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Span;
    use std::sync::Arc;

    fn call(args: Vec<Expr>) -> Call {
        Call {
            callee: Expr::Ident("x".into(), Span::default()),
            args,
            span: Span::default(),
            name_span: Span::default(),
        }
    }

    #[test]
    fn operations_are_named_after_the_client() {
        assert_eq!(
            operation(&["()", "paymentIntents", "create"], &call(vec![])),
            "paymentIntents.create"
        );
        assert_eq!(
            operation(
                &["Redis", "()", "duplicate", "()", "subscribe"],
                &call(vec![])
            ),
            "subscribe"
        );
        let send = call(vec![Expr::New(Arc::new(Call {
            callee: Expr::Ident("PutObjectCommand".into(), Span::default()),
            ..call(vec![])
        }))]);
        assert_eq!(
            operation(&["S3Client", "()", "send"], &send),
            "send(PutObjectCommand)"
        );
    }
}
