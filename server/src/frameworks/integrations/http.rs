//! HTTP calls to fixed external hosts: axios, got, node-fetch, undici, ky, superagent and the
//! global `fetch`. A call counts when its URL (a literal, or a template whose host is literal)
//! names a host outside the machine and the private network; a call through an instance created
//! with a `baseURL` or `prefixUrl` takes that host when the inventory is built.

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::frameworks::data::names;
use crate::frameworks::options::option;
use crate::resolve::graph::Effect;
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::{describe, Interp};

const HTTP_CLIENTS: [&str; 6] = ["axios", "got", "node-fetch", "undici", "ky", "superagent"];

/// Methods that send a request; `request` and calling the package itself take the method from
/// the options.
const METHODS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "del", "head", "options", "request",
];

pub fn is_http_client(module: &str) -> bool {
    HTTP_CLIENTS.contains(&module)
}

/// A call of an HTTP client package: an instance created with a base URL, or a request.
pub fn record_client_call(
    cx: &mut Interp<'_>,
    module: &str,
    path: &[Rc<str>],
    call: &Call,
    env: &Rc<Env>,
    site: Site,
) {
    let names = names(path);
    let on_package = !path.iter().any(|s| &**s == "()");
    let last = names.last().copied();
    if on_package && matches!(last, Some("create" | "extend")) {
        let base = ["baseURL", "prefixUrl"]
            .iter()
            .find_map(|k| option(cx, call, env, k)?.text);
        if let Some(host) = base.as_ref().and_then(|t| fixed_host(&t.text)) {
            cx.add_effect(
                site,
                Effect::Integration {
                    name: Some(host.to_string()),
                    package: module.to_string(),
                    operation: format!("{}()", describe(&call.callee)),
                    client: true,
                },
            );
        }
        return;
    }
    let method = match last {
        None => None,
        Some(m) if METHODS.contains(&m) && m != "request" => Some(m),
        Some("request" | "fetch") => None,
        Some(_) => return,
    };
    let Some(url) = url_of(cx, call, env) else {
        return;
    };
    let method = method
        .map(|m| {
            if m == "del" {
                "DELETE".to_string()
            } else {
                m.to_ascii_uppercase()
            }
        })
        .unwrap_or_else(|| method_option(cx, call, env));
    let name = fixed_host(&url).map(str::to_string);
    // A relative URL is a call through an instance, named by its base URL later.
    if name.is_none() && (on_package || url.contains("://")) {
        return;
    }
    cx.add_effect(
        site,
        Effect::Integration {
            name,
            package: module.to_string(),
            operation: format!("{method} {}", path_of(&url)),
            client: false,
        },
    );
}

/// `fetch('https://api.example.com/v1/x', { method: 'POST' })`.
pub fn record_fetch(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site) {
    let Some(url) = url_of(cx, call, env) else {
        return;
    };
    let Some(host) = fixed_host(&url) else {
        return;
    };
    let method = method_option(cx, call, env);
    cx.add_effect(
        site,
        Effect::Integration {
            name: Some(host.to_string()),
            package: "fetch".to_string(),
            operation: format!("{method} {}", path_of(&url)),
            client: false,
        },
    );
}

/// The URL a request goes to: its first argument, or the `url` option.
fn url_of(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>) -> Option<String> {
    let first = call.args.first()?;
    if matches!(first, Expr::Object(..)) {
        return option(cx, call, env, "url")?.text.map(|t| t.text);
    }
    match cx.eval(first, env) {
        Value::Text(t) => Some(t.text),
        _ => None,
    }
}

/// The `method` option in upper case; `GET` when none is written.
fn method_option(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>) -> String {
    option(cx, call, env, "method")
        .and_then(|f| f.text)
        .filter(|t| !t.dynamic)
        .map(|t| t.text.to_ascii_uppercase())
        .unwrap_or_else(|| "GET".to_string())
}

/// The host of an absolute URL as written, computed parts included
/// (`${account}.r2.cloudflarestorage.com`).
pub fn host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    (!host.is_empty()).then_some(host)
}

/// The host of an absolute URL when it is literal and outside the machine and private network.
fn fixed_host(url: &str) -> Option<&str> {
    let host = host(url)?;
    let internal = host == "localhost"
        || [
            ".local",
            ".internal",
            ".localhost",
            ".svc",
            ".test",
            ".example",
        ]
        .iter()
        .any(|s| host.ends_with(s))
        || ["127.", "10.", "192.168.", "0.0.0.0", "169.254."]
            .iter()
            .any(|p| host.starts_with(p))
        || (host.starts_with("172.")
            && host
                .split('.')
                .nth(1)
                .and_then(|o| o.parse::<u8>().ok())
                .is_some_and(|o| (16..32).contains(&o)));
    (!host.contains("${") && host.contains('.') && !internal).then_some(host)
}

/// The path of a URL (absolute or relative), `/` when it has none.
fn path_of(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let path = match rest {
        Some(r) => r.find('/').map_or("", |i| &r[i..]),
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fixed_external_hosts_count() {
        assert_eq!(
            fixed_host("https://api.github.com/repos"),
            Some("api.github.com")
        );
        assert_eq!(
            fixed_host("https://hooks.slack.com:443/services/${id}"),
            Some("hooks.slack.com")
        );
        assert_eq!(fixed_host("https://${region}.api.example.com/x"), None);
        assert_eq!(fixed_host("http://localhost:3000/x"), None);
        assert_eq!(fixed_host("http://10.0.0.5/x"), None);
        assert_eq!(fixed_host("http://172.20.0.1/x"), None);
        assert_eq!(fixed_host("http://orders.svc/x"), None);
        assert_eq!(fixed_host("/v1/charges"), None);
        assert_eq!(
            host("https://${account}.r2.cloudflarestorage.com"),
            Some("${account}.r2.cloudflarestorage.com")
        );
    }

    #[test]
    fn operations_show_the_path() {
        assert_eq!(path_of("https://api.x.com/v1/a?b=1"), "/v1/a");
        assert_eq!(path_of("https://api.x.com"), "/");
        assert_eq!(path_of("/users/${id}"), "/users/${id}");
    }
}
