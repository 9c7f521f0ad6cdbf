//! Which routes serve a concrete request: `GET https://api.example.com/api/v1/orders/42?x=1`, or
//! just `/api/v1/orders/42`, matched against every route's pattern the way Express would, best
//! first. Shared by `backend-brain find` and the language server's `backendBrain/findRoute`.
//!
//! A pattern is compiled segment by segment: literal text, `:params` (with an inline `(regex)`
//! and a `?`, `*` or `+` modifier), wildcards (`*`, Express 5's `*name`), optional groups
//! (`{/:id}`), and parts computed at run time (`${...}`), which match any one segment. Regular
//! expression routes (`app.get(/^\/items\/(\d+)$/, ...)`) keep their source in the path and are
//! tested as the regular expression they are. Matching is case-insensitive and ignores a trailing
//! slash, as Express does by default.
//!
//! Ranking compares segments left to right: an exact segment beats a constrained param, which
//! beats a param, an optional param, a regular expression, a wildcard, and a part computed at run
//! time, in that order. An exact method beats `ALL`.

use regex::Regex;

use crate::inventory::Route;

/// Param names with their decoded values.
pub type Params = Vec<(String, String)>;

/// How specific one segment of a pattern is; lower is more specific.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    Exact,
    /// A param with an inline regular expression, `:id(\d+)`.
    ConstrainedParam,
    Param,
    OptionalParam,
    Regex,
    Wildcard,
    /// A part computed at run time (`${...}`), or the unknown prefix of an unmounted router.
    Dynamic,
}

/// A concrete request: an optional method and the path, normalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Upper case, when known.
    pub method: Option<String>,
    /// The path without scheme, host, query, fragment or trailing slash; percent-escapes
    /// decoded except `%2F`.
    pub path: String,
}

/// One route that serves the request.
#[derive(Clone, Debug)]
pub struct Match<'a> {
    /// The route's index in the inventory.
    pub index: usize,
    pub route: &'a Route,
    /// The values of named params and wildcards (`0`, `1`, ... for unnamed ones), decoded.
    pub params: Params,
    pub ranks: Vec<Rank>,
}

/// A route that does not serve the request but comes close, for "did you mean".
#[derive(Clone, Debug)]
pub struct Near<'a> {
    pub index: usize,
    pub route: &'a Route,
    /// Leading request segments the route's pattern agrees with.
    pub shared: usize,
    /// Whether the path matches and only the method differs.
    pub other_method: bool,
}

/// Reads a request: `[METHOD] URL-or-path`. An explicit `method` wins over one in the text.
pub fn parse_request(input: &str, method: Option<&str>) -> Result<Request, String> {
    let input = input.trim();
    let (written_method, rest) = match input.split_once(char::is_whitespace) {
        Some((m, rest)) if is_method(m) => (Some(m.to_ascii_uppercase()), rest.trim()),
        _ => (None, input),
    };
    if rest.is_empty() {
        return Err("no URL or path given".to_string());
    }
    let method = match method {
        Some(m) if !is_method(m) => return Err(format!("`{m}` is not an HTTP method")),
        Some(m) => Some(m.to_ascii_uppercase()),
        None => written_method,
    };
    // Drop the scheme and authority: `https://host:8080/path` or `//host/path`.
    let mut path = rest;
    if let Some(i) = path.find("://") {
        if path[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            path = &path[i + 3..];
            path = path.find(['/', '?', '#']).map_or("", |j| &path[j..]);
        }
    } else if let Some(p) = path.strip_prefix("//") {
        path = p.find(['/', '?', '#']).map_or("", |j| &p[j..]);
    } else if !path.starts_with('/') {
        // `api.example.com/orders` or `localhost:3000/orders`: a host when its first part has a
        // dot or a port; otherwise a path written without its leading slash.
        let first = path.split(['/', '?', '#']).next().unwrap_or("");
        if first.contains('.') || first.contains(':') {
            path = path.find(['/', '?', '#']).map_or("", |j| &path[j..]);
        }
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut path = decode_keeping_slashes(path);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    // A trailing slash does not change the route (Express is not strict by default).
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    Ok(Request { method, path })
}

fn is_method(m: &str) -> bool {
    const METHODS: &[&str] = &[
        "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "ALL", "CONNECT", "TRACE",
    ];
    METHODS.iter().any(|x| x.eq_ignore_ascii_case(m))
}

/// Every route that serves `request`, best first.
pub fn find_routes<'a>(routes: &'a [Route], request: &Request) -> Vec<Match<'a>> {
    let mut out: Vec<Match<'a>> = routes
        .iter()
        .enumerate()
        .filter(|(_, r)| method_serves(&r.method, request.method.as_deref()))
        .filter_map(|(index, route)| {
            let (params, ranks) = match_path(&route.path, route.dynamic, &request.path)?;
            Some(Match {
                index,
                route,
                params,
                ranks,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.ranks
            .cmp(&b.ranks)
            .then_with(|| (a.route.method == "ALL").cmp(&(b.route.method == "ALL")))
            .then_with(|| a.index.cmp(&b.index))
    });
    out
}

/// The routes closest to a request nothing serves: those whose path matches with another method
/// first, then those sharing the most leading segments; at most `limit`.
pub fn closest<'a>(routes: &'a [Route], request: &Request, limit: usize) -> Vec<Near<'a>> {
    let wanted = segments(&request.path);
    let mut near: Vec<(Near<'a>, (usize, usize))> = routes
        .iter()
        .enumerate()
        .filter_map(|(index, route)| {
            let other_method = request.method.is_some()
                && match_path(&route.path, route.dynamic, &request.path).is_some();
            let have = segments(&route.path);
            let pairs = || wanted.iter().zip(have.iter());
            let shared = pairs().take_while(|(w, h)| segment_agrees(h, w)).count();
            let anywhere = pairs().filter(|(w, h)| segment_agrees(h, w)).count();
            if !other_method && shared == 0 {
                return None;
            }
            let length_gap = wanted.len().abs_diff(have.len());
            // Letters in common at the start of the segments that differ: `order` is close to
            // `orders`, far from `deliveries`.
            let alike: usize = pairs()
                .filter(|(w, h)| !segment_agrees(h, w))
                .map(|(w, h)| common_prefix(w, h))
                .sum();
            Some((
                Near {
                    index,
                    route,
                    shared,
                    other_method,
                },
                (anywhere * 8usize.saturating_sub(length_gap.min(8)), alike),
            ))
        })
        .collect();
    near.sort_by(|(a, wa), (b, wb)| {
        b.other_method
            .cmp(&a.other_method)
            .then_with(|| b.shared.cmp(&a.shared))
            .then_with(|| wb.cmp(wa))
            .then_with(|| a.index.cmp(&b.index))
    });
    near.into_iter().take(limit).map(|(n, _)| n).collect()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count()
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether one pattern segment could stand for one request segment, loosely: equal text, or a
/// param, wildcard or computed part.
fn segment_agrees(pattern: &str, wanted: &str) -> bool {
    pattern.eq_ignore_ascii_case(wanted) || pattern.starts_with([':', '*', '$', '{'])
}

/// Whether a route registered for `route_method` serves `wanted`: the same method, `ALL`, and
/// `HEAD` on `GET` routes (Express answers HEAD with the GET handler).
pub fn method_serves(route_method: &str, wanted: Option<&str>) -> bool {
    match wanted {
        None => true,
        Some(w) => {
            route_method == "ALL"
                || route_method.eq_ignore_ascii_case(w)
                || (w.eq_ignore_ascii_case("HEAD") && route_method == "GET")
        }
    }
}

/// Matches one route path against a normalized request path: the params and the ranks of the
/// pattern's segments, or `None`.
pub fn match_path(pattern: &str, dynamic: bool, path: &str) -> Option<(Params, Vec<Rank>)> {
    let compiled = compile(pattern, dynamic)?;
    let caps = compiled.regex.captures(path)?;
    let params = compiled
        .names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let value = caps.get(i + 1)?.as_str();
            Some((name.clone(), decode(value)))
        })
        .collect();
    Some((params, compiled.ranks))
}

/// A route pattern as a regular expression over the request path, with its capture names and
/// the rank of each of its segments.
struct Compiled {
    regex: Regex,
    names: Vec<String>,
    ranks: Vec<Rank>,
}

#[derive(Debug)]
enum Tok {
    Slash,
    Literal(String),
    Param {
        name: String,
        re: Option<String>,
        modifier: Option<char>,
    },
    Wildcard(Option<String>),
    Dynamic,
    Group(Vec<Tok>),
}

fn compile(pattern: &str, dynamic: bool) -> Option<Compiled> {
    let mut names = Vec::new();
    let mut ranks = Vec::new();
    // A router no code visibly mounts: its prefix is unknown, any prefix will do.
    let unknown_prefix = dynamic && !pattern.contains("${");
    let mut re = String::from("(?i)^");
    if unknown_prefix {
        re.push_str("(?:/.+?)?");
        ranks.push(Rank::Dynamic);
    }
    if let Some((prefix, source)) = split_regex_route(pattern) {
        // The mount prefix as a pattern, then the regular expression on the rest, as Express
        // tests it: unanchored unless the expression anchors itself.
        let toks = tokenize(&mut prefix.chars().peekable(), false);
        emit(&toks, &mut re, &mut names, &mut ranks);
        let inner = Regex::new(source).ok()?;
        for _ in 1..inner.captures_len() {
            names.push(unnamed(&names));
        }
        let body = source.strip_prefix('^').unwrap_or(source);
        let anchored_start = source.starts_with('^');
        let anchored_end = source.ends_with('$') && !source.ends_with("\\$");
        let body = if anchored_end {
            &body[..body.len() - 1]
        } else {
            body
        };
        if !anchored_start {
            re.push_str("(?:.*?)");
        }
        re.push_str("(?:");
        re.push_str(body);
        re.push(')');
        if !anchored_end {
            re.push_str(".*");
        }
        re.push('$');
        ranks.push(Rank::Regex);
        let regex = Regex::new(&re).ok()?;
        return Some(Compiled {
            regex,
            names,
            ranks,
        });
    }
    let toks = tokenize(&mut pattern.chars().peekable(), false);
    emit(&toks, &mut re, &mut names, &mut ranks);
    re.push_str("/?$");
    let regex = Regex::new(&re).ok()?;
    Some(Compiled {
        regex,
        names,
        ranks,
    })
}

/// A path whose tail is the source of a regular expression literal: the engine writes
/// `app.use('/api', r); r.get(/^\/items\/(\d+)$/, ...)` as `/api/^\/items\/(\d+)$`. Found by
/// what a string pattern cannot hold: `^`, `$`, `\`, `|`, `[`, `.*`, `.+`. Returns the prefix and
/// the expression.
fn split_regex_route(pattern: &str) -> Option<(&str, &str)> {
    if pattern.contains("${") {
        return None;
    }
    let bytes = pattern.as_bytes();
    let mut first = None;
    let mut depth = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        // `:id(\d+)`: an inline param expression is a string pattern's own.
        if depth > 0 {
            continue;
        }
        let regexy = matches!(b, b'^' | b'$' | b'\\' | b'|' | b'[')
            || (b == b'.' && matches!(bytes.get(i + 1), Some(b'*' | b'+')));
        if regexy {
            first = Some(i);
            break;
        }
    }
    let first = first?;
    let start = pattern[..first].rfind('/').map_or(0, |s| s + 1);
    let prefix = pattern[..start].trim_end_matches('/');
    Some((prefix, &pattern[start..]))
}

fn tokenize(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, in_group: bool) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut literal = String::new();
    let flush = |literal: &mut String, toks: &mut Vec<Tok>| {
        if !literal.is_empty() {
            toks.push(Tok::Literal(std::mem::take(literal)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '/' => {
                flush(&mut literal, &mut toks);
                toks.push(Tok::Slash);
            }
            '}' if in_group => break,
            '{' => {
                flush(&mut literal, &mut toks);
                toks.push(Tok::Group(tokenize(chars, true)));
            }
            '$' if chars.peek() == Some(&'{') => {
                flush(&mut literal, &mut toks);
                let mut depth = 0;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                toks.push(Tok::Dynamic);
            }
            ':' if chars
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$') =>
            {
                flush(&mut literal, &mut toks);
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '$' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let re = (chars.peek() == Some(&'(')).then(|| {
                    chars.next();
                    let mut depth = 1;
                    let mut re = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => {
                                re.push(c);
                                if let Some(n) = chars.next() {
                                    re.push(n);
                                }
                                continue;
                            }
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        re.push(c);
                    }
                    re
                });
                let modifier = match chars.peek() {
                    Some(&m @ ('?' | '*' | '+')) => {
                        chars.next();
                        Some(m)
                    }
                    _ => None,
                };
                toks.push(Tok::Param { name, re, modifier });
            }
            '*' => {
                flush(&mut literal, &mut toks);
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Wildcard((!name.is_empty()).then_some(name)));
            }
            _ => literal.push(c),
        }
    }
    flush(&mut literal, &mut toks);
    toks
}

/// Appends the regular expression of `toks`, and the names and segment ranks they bring.
fn emit(toks: &[Tok], re: &mut String, names: &mut Vec<String>, ranks: &mut Vec<Rank>) {
    let mut i = 0;
    // The rank of the segment being written, pushed when it ends.
    let mut segment: Option<Rank> = None;
    let end_segment = |segment: &mut Option<Rank>, ranks: &mut Vec<Rank>| {
        if let Some(r) = segment.take() {
            ranks.push(r);
        }
    };
    let worst = |segment: &mut Option<Rank>, r: Rank| {
        *segment = Some(segment.map_or(r, |s| s.max(r)));
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Slash => {
                end_segment(&mut segment, ranks);
                // `/:id?` as a whole segment: the slash is optional with it.
                if let Some(Tok::Param {
                    name,
                    re: inner,
                    modifier: Some(m @ ('?' | '*' | '+')),
                }) = toks.get(i + 1)
                {
                    let whole = matches!(toks.get(i + 2), None | Some(Tok::Slash));
                    if whole {
                        let one = inner.as_deref().unwrap_or("[^/]+?");
                        names.push(name.clone());
                        match m {
                            '?' => re.push_str(&format!("(?:/({one}))?")),
                            '+' => re.push_str(&format!("/((?:{one})(?:/(?:{one}))*)")),
                            _ => re.push_str(&format!("(?:/((?:{one})(?:/(?:{one}))*))?")),
                        }
                        ranks.push(if *m == '+' {
                            Rank::Wildcard
                        } else {
                            Rank::OptionalParam
                        });
                        i += 2;
                        continue;
                    }
                }
                re.push('/');
            }
            Tok::Literal(text) => {
                re.push_str(&regex::escape(text));
                worst(&mut segment, Rank::Exact);
            }
            Tok::Param {
                name,
                re: inner,
                modifier,
            } => {
                let one = inner.as_deref().unwrap_or("[^/]+?");
                names.push(name.clone());
                re.push('(');
                re.push_str(one);
                re.push(')');
                if modifier.is_some() {
                    re.push('?');
                }
                worst(
                    &mut segment,
                    match (inner, modifier) {
                        (_, Some(_)) => Rank::OptionalParam,
                        (Some(_), None) => Rank::ConstrainedParam,
                        (None, None) => Rank::Param,
                    },
                );
            }
            Tok::Wildcard(name) => {
                names.push(name.clone().unwrap_or_else(|| unnamed(names)));
                // Express 4's `*` matches anything, even nothing; Express 5's `*name` needs one
                // character at least.
                re.push_str(if name.is_some() { "(.+)" } else { "(.*)" });
                worst(&mut segment, Rank::Wildcard);
            }
            Tok::Dynamic => {
                re.push_str("[^/]+?");
                worst(&mut segment, Rank::Dynamic);
            }
            Tok::Group(inner) => {
                if matches!(inner.first(), Some(Tok::Slash)) {
                    end_segment(&mut segment, ranks);
                }
                re.push_str("(?:");
                let mut inner_ranks = Vec::new();
                emit(inner, re, names, &mut inner_ranks);
                re.push_str(")?");
                if matches!(inner.first(), Some(Tok::Slash)) {
                    ranks.extend(inner_ranks.iter().map(|r| (*r).max(Rank::OptionalParam)));
                } else if let Some(r) = inner_ranks.into_iter().max() {
                    worst(&mut segment, r.max(Rank::OptionalParam));
                }
            }
        }
        i += 1;
    }
    end_segment(&mut segment, ranks);
}

/// The name of the next unnamed capture: `0`, `1`, ...
fn unnamed(names: &[String]) -> String {
    names
        .iter()
        .filter(|n| n.parse::<usize>().is_ok())
        .count()
        .to_string()
}

/// Decodes percent-escapes, keeping `%2F` (a slash inside a segment) as written.
fn decode_keeping_slashes(path: &str) -> String {
    percent_decode(path, true)
}

/// Decodes percent-escapes; invalid UTF-8 is kept as written.
pub fn decode(text: &str) -> String {
    percent_decode(text, false)
}

fn percent_decode(text: &str, keep_slashes: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                if !(keep_slashes && v == b'/') {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Location, Route};

    fn route(method: &str, path: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            file: "src/app.ts".into(),
            line: 1,
            handler: None,
            middleware: Vec::new(),
            auth: None,
            rate_limit: None,
            framework: "express".into(),
            dynamic: path.contains("${"),
            health: None,
            services: Vec::new(),
            tables: Vec::new(),
            reach: Default::default(),
            location: Location::default(),
            doc: None,
            declared_doc: None,
        }
    }

    /// The routes of a versioned API with overlapping patterns, in inventory order.
    fn table() -> Vec<Route> {
        [
            ("GET", "/api/v1/orders"),
            ("POST", "/api/v1/orders"),
            ("GET", "/api/v1/orders/:id"),
            ("GET", "/api/v1/orders/:id(\\d+)/invoice"),
            ("GET", "/api/v1/orders/:id/invoice"),
            ("GET", "/api/v1/orders/export"),
            ("GET", "/api/v1/orders/*"),
            ("GET", "/api/v2/orders/:orderId"),
            ("GET", "/api/:version/status"),
            ("GET", "/api/${process.env.API_VERSION}/health"),
            ("ALL", "/api/v1/orders/:id"),
            ("GET", "/users/:id?"),
            ("GET", "/files/*path"),
            ("GET", "/products{/:slug}"),
            ("GET", "/flights/:from-:to"),
            ("GET", "/legacy/^\\/items\\/(\\d+)$"),
            ("GET", "/caf\u{e9}/menu"),
            ("HEAD", "/ping"),
            ("GET", "/"),
        ]
        .iter()
        .map(|(m, p)| route(m, p))
        .collect()
    }

    fn found(input: &str, method: Option<&str>) -> Vec<String> {
        let routes = table();
        let request = parse_request(input, method).expect("a request");
        find_routes(&routes, &request)
            .iter()
            .map(|m| {
                let params: Vec<String> =
                    m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "{} {}{}",
                    m.route.method,
                    m.route.path,
                    if params.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", params.join(", "))
                    }
                )
            })
            .collect()
    }

    #[test]
    fn urls_find_their_routes_best_first() {
        let cases: &[(&str, Option<&str>, &[&str])] = &[
            // Exact segments beat params, params beat wildcards; ALL after the exact method.
            (
                "GET https://api.example.com/api/v1/orders/42?x=1",
                None,
                &[
                    "GET /api/v1/orders/:id [id=42]",
                    "ALL /api/v1/orders/:id [id=42]",
                    "GET /api/v1/orders/* [0=42]",
                ],
            ),
            (
                "/api/v1/orders/export",
                Some("GET"),
                &[
                    "GET /api/v1/orders/export",
                    "GET /api/v1/orders/:id [id=export]",
                    "ALL /api/v1/orders/:id [id=export]",
                    "GET /api/v1/orders/* [0=export]",
                ],
            ),
            // The method narrows; no method means every method.
            ("POST /api/v1/orders", None, &["POST /api/v1/orders"]),
            (
                "/api/v1/orders",
                None,
                &["GET /api/v1/orders", "POST /api/v1/orders"],
            ),
            // Trailing slashes, query strings and fragments do not matter; case does not either.
            (
                "/api/v1/orders/?page=2#top",
                Some("GET"),
                &["GET /api/v1/orders"],
            ),
            ("/API/V1/Orders", Some("GET"), &["GET /api/v1/orders"]),
            // A constrained param beats a plain one; it refuses what its expression does not match.
            (
                "/api/v1/orders/42/invoice",
                Some("GET"),
                &[
                    "GET /api/v1/orders/:id(\\d+)/invoice [id=42]",
                    "GET /api/v1/orders/:id/invoice [id=42]",
                    "GET /api/v1/orders/* [0=42/invoice]",
                ],
            ),
            (
                "/api/v1/orders/abc/invoice",
                Some("GET"),
                &[
                    "GET /api/v1/orders/:id/invoice [id=abc]",
                    "GET /api/v1/orders/* [0=abc/invoice]",
                ],
            ),
            // Versions: a literal version beats a version param; a computed one ranks last.
            (
                "/api/v2/orders/7",
                Some("GET"),
                &["GET /api/v2/orders/:orderId [orderId=7]"],
            ),
            (
                "/api/v1/status",
                None,
                &["GET /api/:version/status [version=v1]"],
            ),
            (
                "/api/v3/health",
                None,
                &["GET /api/${process.env.API_VERSION}/health"],
            ),
            // Percent-encoded characters: decoded in params and literals; `%2F` stays in one segment.
            (
                "/api/v1/orders/a%20b",
                Some("GET"),
                &[
                    "GET /api/v1/orders/:id [id=a b]",
                    "ALL /api/v1/orders/:id [id=a b]",
                    "GET /api/v1/orders/* [0=a b]",
                ],
            ),
            (
                "/api/v1/orders/a%2Fb",
                Some("GET"),
                &[
                    "GET /api/v1/orders/:id [id=a/b]",
                    "ALL /api/v1/orders/:id [id=a/b]",
                    "GET /api/v1/orders/* [0=a/b]",
                ],
            ),
            ("/caf%C3%A9/menu", None, &["GET /caf\u{e9}/menu"]),
            // Optional params, with and without their value.
            ("/users", None, &["GET /users/:id?"]),
            ("/users/9", None, &["GET /users/:id? [id=9]"]),
            ("/products", None, &["GET /products{/:slug}"]),
            (
                "/products/brake-pads",
                None,
                &["GET /products{/:slug} [slug=brake-pads]"],
            ),
            // Named wildcards span segments, and need one character at least.
            ("/files/a/b.png", None, &["GET /files/*path [path=a/b.png]"]),
            ("/files", None, &[]),
            // Two params in one segment.
            (
                "/flights/LAX-SFO",
                None,
                &["GET /flights/:from-:to [from=LAX, to=SFO]"],
            ),
            // A regular expression route under a mount prefix.
            (
                "/legacy/items/12",
                None,
                &["GET /legacy/^\\/items\\/(\\d+)$ [0=12]"],
            ),
            ("/legacy/items/x", None, &[]),
            // HEAD is served by GET routes.
            ("HEAD /api/v1/orders", None, &["GET /api/v1/orders"]),
            ("/ping", Some("GET"), &[]),
            // A host without a scheme, the root, and a path without its leading slash.
            (
                "localhost:3000/api/v1/orders",
                Some("POST"),
                &["POST /api/v1/orders"],
            ),
            ("https://api.example.com", None, &["GET /"]),
            ("api/v1/orders", Some("GET"), &["GET /api/v1/orders"]),
            ("/nowhere", None, &[]),
        ];
        for (input, method, expected) in cases {
            assert_eq!(
                found(input, *method),
                expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{input} {method:?}"
            );
        }
    }

    #[test]
    fn an_unmounted_router_matches_under_any_prefix_and_ranks_last() {
        let mut unmounted = route("GET", "/orders/:id");
        unmounted.dynamic = true;
        let routes = vec![unmounted, route("GET", "/api/orders/:id")];
        let request = parse_request("/api/orders/1", None).expect("a request");
        let paths: Vec<(&str, bool)> = find_routes(&routes, &request)
            .iter()
            .map(|m| (m.route.path.as_str(), m.route.dynamic))
            .collect();
        assert_eq!(paths, [("/api/orders/:id", false), ("/orders/:id", true)]);
    }

    #[test]
    fn requests_are_read_leniently_and_methods_checked() {
        let r = parse_request("get http://h/a%20b/c?d=1", None).expect("a request");
        assert_eq!(r.method.as_deref(), Some("GET"));
        assert_eq!(r.path, "/a b/c");
        let r = parse_request("/x", Some("post")).expect("a request");
        assert_eq!(r.method.as_deref(), Some("POST"));
        assert!(parse_request("/x", Some("FETCH")).is_err());
        assert!(parse_request("  ", None).is_err());
        assert_eq!(decode("%E2%82%AC%zz%"), "€%zz%");
    }

    #[test]
    fn the_closest_routes_share_leading_segments_or_differ_in_method() {
        let routes = table();
        let request = parse_request("DELETE /api/v1/orders/42", None).expect("a request");
        assert!(find_routes(&routes, &request)
            .iter()
            .all(|m| m.route.method == "ALL"));
        let request = parse_request("/api/v1/order/42", None).expect("a request");
        assert!(find_routes(&routes, &request).is_empty());
        let near: Vec<String> = closest(&routes, &request, 3)
            .iter()
            .map(|n| format!("{} {} {}", n.route.method, n.route.path, n.shared))
            .collect();
        assert_eq!(
            near,
            [
                "GET /api/v1/orders/:id 2",
                "GET /api/v1/orders/* 2",
                "ALL /api/v1/orders/:id 2"
            ]
        );
        let request = parse_request("PUT /api/v1/orders", None).expect("a request");
        let near = closest(&routes, &request, 5);
        assert!(near[0].other_method && near[1].other_method, "{near:?}");
    }
}
