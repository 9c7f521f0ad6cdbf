//! Route wrappers the user declares in `backend-brain.toml` (`[[route_wrappers]]`), for helpers
//! whose body the workspace does not show (a shared internal package, generated code).

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::resolve::graph::RouterKind;
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::{describe, Interp};
use crate::workspace::config::RouteWrapper;

use super::Handle;

/// Registers the route a declared wrapper call stands for, on the router it is called on when
/// that is known, else on an app of its own for the receiver.
pub fn register(
    cx: &mut Interp<'_>,
    wrapper: &RouteWrapper,
    call: &Call,
    env: &Rc<Env>,
    site: Site,
) -> Value {
    let args = cx.eval_args(&call.args, env);
    let receiver = match (&call.callee, wrapper.router_arg) {
        (_, Some(i)) => args.get(i).map(|a| a.value.clone()),
        (Expr::Member(object, _, _), None) => Some(cx.eval(object, env)),
        _ => None,
    };
    let Some(parts) = route_parts(wrapper, &args) else {
        return Value::unknown(&wrapper.name);
    };
    let router = match &receiver {
        Some(Value::Handle(Handle::Router(r))) => *r,
        _ => {
            let receiver_text = match &call.callee {
                Expr::Member(object, _, _) => describe(object),
                _ => String::new(),
            };
            let key = (
                site.file,
                fnv(&format!("{}:{receiver_text}", wrapper.name)),
                0,
            );
            cx.router(key, "express", RouterKind::Implicit, site)
        }
    };
    let path_site = parts.path.site.unwrap_or(site);
    let paths = match &parts.path.value {
        Value::Text(t) => vec![t.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                _ => Text::unknown(&parts.path.label),
            })
            .collect(),
        _ => vec![Text::unknown(&parts.path.label)],
    };
    for path in paths {
        cx.add_route(
            router,
            &parts.method,
            path,
            path_site,
            parts.handler.as_ref(),
            &parts.middleware,
            env,
        );
    }
    receiver.unwrap_or_else(|| Value::unknown(&wrapper.name))
}

struct RouteParts {
    method: String,
    path: Arg,
    handler: Option<Arg>,
    middleware: Vec<Arg>,
}

fn route_parts(wrapper: &RouteWrapper, args: &[Arg]) -> Option<RouteParts> {
    if let Some(index) = wrapper.options_arg {
        let Value::Object(options) = &args.get(index)?.value else {
            return None;
        };
        let prop = |keys: &[&str]| {
            options
                .props
                .iter()
                .find(|(k, _)| keys.contains(&k.as_str()))
                .map(|(k, v)| Arg {
                    value: v.clone(),
                    label: Rc::from(k.as_str()),
                    site: args[index].site,
                    inner: None,
                })
        };
        let method = match &wrapper.method {
            Some(m) => m.to_ascii_uppercase(),
            None => method_text(&prop(&["method"])?)?,
        };
        return Some(RouteParts {
            method,
            path: prop(&["path", "url", "route"])?,
            handler: prop(&["handler", "action", "controller"]),
            middleware: Vec::new(),
        });
    }
    let method = match (&wrapper.method, wrapper.method_arg) {
        (Some(m), _) => m.to_ascii_uppercase(),
        (None, Some(i)) => method_text(args.get(i)?)?,
        (None, None) => return None,
    };
    let first_free = (0..args.len())
        .find(|i| Some(*i) != wrapper.method_arg && Some(*i) != wrapper.router_arg)
        .unwrap_or(0);
    let path_index = wrapper.path_arg.unwrap_or(first_free);
    let handler_index = wrapper.handler_arg.unwrap_or(args.len().saturating_sub(1));
    let path = args.get(path_index)?.clone();
    let handler = (handler_index > path_index)
        .then(|| args.get(handler_index).cloned())
        .flatten();
    let middleware = args
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            *i > path_index
                && *i < handler_index
                && Some(*i) != wrapper.method_arg
                && Some(*i) != wrapper.router_arg
        })
        .map(|(_, a)| a.clone())
        .collect();
    Some(RouteParts {
        method,
        path,
        handler,
        middleware,
    })
}

fn method_text(arg: &Arg) -> Option<String> {
    match &arg.value {
        Value::Text(t) if !t.dynamic => Some(t.text.to_ascii_uppercase()),
        _ => None,
    }
}

fn fnv(s: &str) -> u32 {
    s.bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619))
}
