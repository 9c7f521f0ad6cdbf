//! Everything the inventory knows about one route, as plain data: what `backend-brain explain`
//! prints as a tree or as JSON. Also how a route is picked from what a person types: `METHOD
//! path` (the pattern as listed, or a concrete URL) or `file:line`.

use serde::Serialize;

use crate::inventory::{Handler, Route, TableUse};

use super::route_match::{find_routes, parse_request};
use super::Analysis;

/// A file and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub name: String,
    /// Whether this middleware is the route's auth guard.
    pub auth: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventRef {
    pub name: String,
    pub namespace: String,
    pub file: String,
    pub line: u32,
    pub payload: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub method: String,
    pub path: String,
    /// Whether part of the path is only known at run time.
    pub dynamic: bool,
    pub registered: Place,
    pub handler: Option<Handler>,
    /// In execution order.
    pub middleware: Vec<Step>,
    pub auth: Option<String>,
    pub rate_limit: Option<String>,
    /// `documented` (a doc comment), `documented in FILE` (the route table) or `undocumented`.
    pub docs: String,
    /// The doc comment above the registration or the handler.
    pub doc: Option<String>,
    /// Socket.IO events emitted inside the handler's own body (not in functions it calls), in
    /// source order.
    pub emits: Vec<EventRef>,
    /// Service methods the handler reaches through the call graph.
    pub services: Vec<String>,
    /// Tables the handler and what it reaches read and write.
    pub tables: Vec<TableUse>,
}

/// What a person asked to explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `src/routes/orders.ts:24`: the routes registered, or handled, at that line.
    At { file: String, line: u32 },
    /// `GET /orders/:id` or `GET /orders/42`.
    Route {
        method: Option<String>,
        path: String,
    },
}

impl Query {
    /// Reads `FILE:LINE`, or `[METHOD] PATH` from one or two words.
    pub fn parse(words: &[String]) -> Result<Query, String> {
        let text = words.join(" ");
        let text = text.trim();
        if let Some((file, line)) = text.rsplit_once(':') {
            if !file.is_empty() && !file.contains(' ') && !file.starts_with('/') {
                if let Ok(line) = line.parse::<u32>() {
                    return Ok(Query::At {
                        file: file.trim_start_matches("./").replace('\\', "/"),
                        line,
                    });
                }
            }
        }
        let (method, path) = match text.split_once(char::is_whitespace) {
            Some((m, p)) => (Some(m.to_ascii_uppercase()), p.trim().to_string()),
            None => (None, text.to_string()),
        };
        if path.is_empty() {
            return Err("give `METHOD PATH` or `FILE:LINE`".to_string());
        }
        Ok(Query::Route { method, path })
    }
}

impl Analysis<'_> {
    /// The routes a query names: registered or handled at a line; the route listed with exactly
    /// that method and path; else the best route serving the path as a concrete URL (with every
    /// route that ranks as well, e.g. one router mounted twice).
    pub fn select(&self, query: &Query) -> Result<Vec<&Route>, String> {
        let routes = &self.inventory.routes;
        match query {
            Query::At { file, line } => {
                let at: Vec<&Route> = routes
                    .iter()
                    .filter(|r| &r.file == file && r.line == *line)
                    .collect();
                if !at.is_empty() {
                    return Ok(at);
                }
                Ok(routes
                    .iter()
                    .filter(|r| {
                        r.handler.as_ref().is_some_and(|h| {
                            h.file.as_deref() == Some(file.as_str()) && h.line == Some(*line)
                        })
                    })
                    .collect())
            }
            Query::Route { method, path } => {
                let exact: Vec<&Route> = routes
                    .iter()
                    .filter(|r| &r.path == path)
                    .filter(|r| method.as_deref().is_none_or(|m| r.method == m))
                    .collect();
                if !exact.is_empty() {
                    return Ok(exact);
                }
                let request = parse_request(path, method.as_deref())?;
                let found = find_routes(routes, &request);
                let Some(best) = found.first() else {
                    return Ok(Vec::new());
                };
                Ok(found
                    .iter()
                    .filter(|m| m.ranks == best.ranks && m.route.method == best.route.method)
                    .map(|m| m.route)
                    .collect())
            }
        }
    }

    pub fn explain(&self, route: &Route) -> Explanation {
        let docs = if super::has_summary(route.doc.as_deref()) {
            "documented".to_string()
        } else if self.table.contains(&route.method, &route.path) {
            format!("documented in {}", self.config.docs.table)
        } else {
            "undocumented".to_string()
        };
        let mut auth_seen = false;
        let middleware = route
            .middleware
            .iter()
            .map(|name| {
                let auth = !auth_seen && route.auth.as_deref() == Some(name.as_str());
                auth_seen |= auth;
                Step {
                    name: name.clone(),
                    auth,
                }
            })
            .collect();
        let body = route.handler.as_ref().and_then(|h| h.definition);
        let mut inside: Vec<_> = match body {
            None => Vec::new(),
            Some((file, span)) => self
                .inventory
                .socket_events
                .iter()
                .filter(|e| e.kind == "emit" && e.location.file == file)
                .filter(|e| span.start <= e.location.call.start && e.location.call.end <= span.end)
                .collect(),
        };
        inside.sort_by_key(|e| (e.location.call.start, e.line));
        let emits = inside
            .into_iter()
            .map(|e| EventRef {
                name: super::event_label(e),
                namespace: e.namespace.clone(),
                file: e.file.clone(),
                line: e.line,
                payload: e.payload.clone(),
            })
            .collect();
        Explanation {
            method: route.method.clone(),
            path: route.path.clone(),
            dynamic: route.dynamic,
            registered: Place {
                file: route.file.clone(),
                line: route.line,
            },
            handler: route.handler.clone(),
            middleware,
            auth: route.auth.clone(),
            rate_limit: route.rate_limit.clone(),
            docs,
            doc: route.doc.clone().filter(|d| !d.trim().is_empty()),
            emits,
            services: route.services.clone(),
            tables: route.tables.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn queries_are_lines_or_routes() {
        assert_eq!(
            Query::parse(&words("./src/routes/orders.ts:24")),
            Ok(Query::At {
                file: "src/routes/orders.ts".into(),
                line: 24
            })
        );
        assert_eq!(
            Query::parse(&words("get /orders/:id")),
            Ok(Query::Route {
                method: Some("GET".into()),
                path: "/orders/:id".into()
            })
        );
        assert_eq!(
            Query::parse(&words("http://localhost:3000/orders")),
            Ok(Query::Route {
                method: None,
                path: "http://localhost:3000/orders".into()
            })
        );
        assert!(Query::parse(&[]).is_err());
    }
}
