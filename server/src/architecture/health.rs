//! Health and operations routes: what serves liveness, readiness, health checks and metrics, by
//! the route's path and by the libraries its handler's file uses.

use crate::facts::FileFacts;
use crate::inventory::Route;

/// The last path segment that names an operations endpoint, and what it serves.
const BY_SEGMENT: [(&str, &str); 14] = [
    ("health", "health"),
    ("healthz", "health"),
    ("healthcheck", "health"),
    ("health-check", "health"),
    ("_health", "health"),
    ("ping", "health"),
    ("live", "liveness"),
    ("livez", "liveness"),
    ("liveness", "liveness"),
    ("ready", "readiness"),
    ("readyz", "readiness"),
    ("readiness", "readiness"),
    ("metrics", "metrics"),
    ("prometheus", "metrics"),
];

/// Libraries whose use in the handler's file makes a route an operations endpoint.
const BY_LIBRARY: [(&str, &str); 3] = [
    ("@nestjs/terminus", "health"),
    ("prom-client", "metrics"),
    ("@willsoto/nestjs-prometheus", "metrics"),
];

/// What operations endpoint `route` is, if it is one. Only routes that answer reads count.
pub fn classify(route: &Route, files: &[(&str, &FileFacts)]) -> Option<String> {
    if !matches!(route.method.as_str(), "GET" | "HEAD" | "ALL") {
        return None;
    }
    let last = route
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Some((_, kind)) = BY_SEGMENT.iter().find(|(s, _)| *s == last) {
        return Some(kind.to_string());
    }
    let (file, _) = route.handler.as_ref()?.definition?;
    let facts = files.get(file as usize)?.1;
    BY_LIBRARY
        .iter()
        .find(|(module, _)| facts.imports.iter().any(|i| i.module == *module))
        .map(|(_, kind)| kind.to_string())
}
