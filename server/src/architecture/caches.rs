//! Caches: Redis clients (ioredis, redis, @upstash/redis) and in-process caches (lru-cache,
//! node-cache), with the key patterns the code uses on them (`user:${id}` is `user:*`), the TTLs
//! it sets where visible, and the functions that use them.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;

use crate::facts::{Call, Expr};
use crate::frameworks::routing::prop;
use crate::frameworks::{Framework, Handle};
use crate::resolve::value::{Env, FnRef, Site, Value};
use crate::resolve::Interp;

use super::{enclosing, number, text, Enclosing, Place};

/// Commands whose first argument is a key, for Redis clients and in-process caches alike.
const KEY_COMMANDS: [&str; 52] = [
    "get",
    "set",
    "setex",
    "psetex",
    "setnx",
    "getex",
    "getdel",
    "getset",
    "del",
    "unlink",
    "exists",
    "expire",
    "pexpire",
    "expireat",
    "ttl",
    "pttl",
    "incr",
    "incrby",
    "decr",
    "decrby",
    "append",
    "hget",
    "hset",
    "hsetnx",
    "hmget",
    "hmset",
    "hgetall",
    "hdel",
    "hincrby",
    "hexists",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "scard",
    "zadd",
    "zrem",
    "zrange",
    "zrangebyscore",
    "zscore",
    "zincrby",
    "zcard",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "ltrim",
    "has",
    "delete",
    "peek",
    "take",
];
/// Methods that return the same client (transactions, pipelines, copies).
const SAME_CLIENT: [&str; 3] = ["multi", "pipeline", "duplicate"];

/// What the cache recognizer saw during resolution.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Cache clients; [`Handle::Cache`] indexes this.
    pub clients: Vec<CacheClient>,
    pub ops: Vec<CacheOp>,
}

#[derive(Debug)]
pub struct CacheClient {
    pub library: &'static str,
    /// `redis` or `in-process`.
    pub kind: &'static str,
    pub site: Site,
    /// The most entries an in-process cache keeps (`max`), when literal.
    pub max_entries: Option<f64>,
    /// The default time to live in milliseconds (`ttl`, `maxAge`, `stdTTL`), when literal.
    pub ttl_ms: Option<f64>,
}

#[derive(Debug)]
pub struct CacheOp {
    pub client: u32,
    pub command: String,
    /// The key as far as the code shows it: literal parts kept, run-time parts written `*`.
    pub pattern: Option<String>,
    pub ttl_ms: Option<f64>,
    pub site: Site,
    pub by: Option<Enclosing>,
}

/// The recognizer of cache clients.
pub struct Caches;

impl Framework for Caches {
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
        let (library, kind) = match (module, names.as_slice(), is_new) {
            ("ioredis", [] | ["Redis"] | ["Cluster"] | ["Redis", "Cluster"], true) => {
                ("ioredis", "redis")
            }
            ("redis" | "@redis/client", ["createClient" | "createCluster"], _) => {
                ("redis", "redis")
            }
            ("@upstash/redis", ["Redis"], true) | ("@upstash/redis", ["Redis", "fromEnv"], _) => {
                ("@upstash/redis", "redis")
            }
            ("lru-cache", [] | ["LRUCache"], true) => ("lru-cache", "in-process"),
            ("node-cache", [], true) => ("node-cache", "in-process"),
            _ => return None,
        };
        let options = call
            .args
            .iter()
            .find(|a| matches!(a, Expr::Object(..)))
            .map(|a| cx.eval(a, env))
            .unwrap_or(Value::Nullish);
        let ttl_ms = match library {
            "node-cache" => number(prop(&options, "stdTTL")).map(|s| s * 1000.0),
            _ => number(prop(&options, "ttl")).or_else(|| number(prop(&options, "maxAge"))),
        };
        let client = CacheClient {
            library,
            kind,
            site,
            max_entries: number(prop(&options, "max")),
            ttl_ms: ttl_ms.filter(|_| kind == "in-process"),
        };
        let state = cx.state::<Recorded>();
        let index = match state.clients.iter().position(|c| c.site == site) {
            Some(i) => i,
            None => {
                state.clients.push(client);
                state.clients.len() - 1
            }
        };
        Some(Value::Handle(Handle::Cache(index as u32)))
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
        let Handle::Cache(client) = receiver else {
            return None;
        };
        if SAME_CLIENT.contains(&method) {
            return Some(Value::Handle(receiver.clone()));
        }
        let command = method.to_ascii_lowercase();
        if !KEY_COMMANDS.contains(&command.as_str()) {
            return Some(Value::unknown(method));
        }
        let args = cx.eval_args(&call.args, env);
        let values: Vec<&Value> = args.iter().map(|a| &a.value).collect();
        let library = cx
            .state::<Recorded>()
            .clients
            .get(*client as usize)
            .map(|c| c.library)?;
        let op = CacheOp {
            client: *client,
            pattern: text(values.first().copied()).and_then(|t| key_pattern(&t.text)),
            ttl_ms: ttl_ms(library, &command, &values),
            command,
            site,
            by: enclosing(cx, env),
        };
        cx.state::<Recorded>().ops.push(op);
        // A transaction's commands chain: `redis.multi().set(k, v).expire(k, 60).exec()`.
        Some(Value::Handle(receiver.clone()))
    }
}

/// The TTL a command sets, in milliseconds: `set(k, v, 'EX', 60)`, `set(k, v, { EX: 60 })`,
/// `setex(k, 60, v)`, `expire(k, 60)`, lru-cache's `set(k, v, { ttl })`, node-cache's
/// `set(k, v, 60)`.
fn ttl_ms(library: &str, command: &str, args: &[&Value]) -> Option<f64> {
    let arg = |i: usize| args.get(i).copied();
    match (library, command) {
        ("node-cache", "set") => number(arg(2)).map(|s| s * 1000.0),
        ("lru-cache", "set") => arg(2).and_then(|o| number(prop(o, "ttl"))),
        (_, "setex" | "expire") => number(arg(1)).map(|s| s * 1000.0),
        (_, "psetex" | "pexpire") => number(arg(1)),
        (_, "set" | "getex") => {
            let from = if command == "set" { 2 } else { 1 };
            if let Some(options) = arg(from).filter(|o| matches!(o, Value::Object(_))) {
                return number(prop(options, "EX"))
                    .map(|s| s * 1000.0)
                    .or_else(|| number(prop(options, "PX")));
            }
            let unit = text(arg(from)).map(|t| t.text.to_ascii_uppercase());
            match unit.as_deref() {
                Some("EX") => number(arg(from + 1)).map(|s| s * 1000.0),
                Some("PX") => number(arg(from + 1)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `user:${id}` as `user:*`; `None` when nothing of the key is literal.
fn key_pattern(key: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = key;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[start + 2..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = start + 2 + i + 1;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if !out.ends_with('*') {
            out.push('*');
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out.chars().any(|c| c != '*')).then_some(out)
}

/// A cache client and how the code uses it.
#[derive(Clone, Debug, Serialize)]
pub struct Cache {
    /// `redis` or `in-process`.
    pub kind: String,
    pub library: String,
    /// Where the client is created.
    pub file: String,
    pub line: u32,
    /// The most entries an in-process cache keeps, when literal.
    pub max_entries: Option<u64>,
    /// The default time to live in milliseconds, when literal.
    pub ttl_ms: Option<u64>,
    pub keys: Vec<CacheKey>,
    /// The functions that use the client, by name.
    pub used_by: Vec<String>,
}

/// One key pattern and what the code does with it.
#[derive(Clone, Debug, Serialize)]
pub struct CacheKey {
    /// The key with its run-time parts written `*` (`user:*`).
    pub pattern: String,
    /// The commands used on it, sorted (`get`, `set`, `del`).
    pub commands: Vec<String>,
    /// The time to live set on it in milliseconds, when visible.
    pub ttl_ms: Option<u64>,
    /// Where it is used.
    pub places: Vec<Place>,
    /// The routes whose handler reaches a function that uses it, sorted.
    pub routes: Vec<String>,
    /// The functions it is used in (`UserService.get`), for mapping to routes later.
    #[serde(skip)]
    pub by: Vec<FnRef>,
}

/// Every recorded client with its key patterns, by where the client is created.
pub fn derive(recorded: &Recorded, paths: &[String]) -> Vec<Cache> {
    let mut out: Vec<Cache> = recorded
        .clients
        .iter()
        .enumerate()
        .map(|(index, client)| {
            let ops: Vec<&CacheOp> = recorded
                .ops
                .iter()
                .filter(|o| o.client == index as u32)
                .collect();
            let mut keys: BTreeMap<String, CacheKey> = BTreeMap::new();
            for op in ops.iter().filter(|o| o.pattern.is_some()) {
                let pattern = op.pattern.clone().unwrap_or_default();
                let key = keys.entry(pattern.clone()).or_insert_with(|| CacheKey {
                    pattern,
                    commands: Vec::new(),
                    ttl_ms: None,
                    places: Vec::new(),
                    routes: Vec::new(),
                    by: Vec::new(),
                });
                key.commands.push(op.command.clone());
                key.ttl_ms = key.ttl_ms.or(op.ttl_ms.map(whole));
                key.places.push(Place::of(&op.site, paths));
                key.by.extend(op.by.as_ref().map(|b| b.func));
            }
            let mut used_by: Vec<String> = ops
                .iter()
                .filter_map(|o| o.by.as_ref().map(|b| b.name.clone()))
                .collect();
            used_by.sort();
            used_by.dedup();
            let place = Place::of(&client.site, paths);
            Cache {
                kind: client.kind.to_string(),
                library: client.library.to_string(),
                file: place.file,
                line: place.line,
                max_entries: client.max_entries.map(whole),
                ttl_ms: client.ttl_ms.map(whole),
                keys: keys
                    .into_values()
                    .map(|mut k| {
                        k.commands.sort();
                        k.commands.dedup();
                        k.places.sort();
                        k.places.dedup();
                        k
                    })
                    .collect(),
                used_by,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

/// A count or a duration as a whole number.
fn whole(n: f64) -> u64 {
    n.max(0.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_literal_parts() {
        assert_eq!(key_pattern("user:${id}").as_deref(), Some("user:*"));
        assert_eq!(
            key_pattern("cart:${userId}:item:${item.id}").as_deref(),
            Some("cart:*:item:*")
        );
        assert_eq!(key_pattern("${a}${b}:x").as_deref(), Some("*:x"));
        assert_eq!(key_pattern("catalog:tree").as_deref(), Some("catalog:tree"));
        assert_eq!(key_pattern("${key}"), None);
        assert_eq!(key_pattern("${f({ a: 1 })}:z").as_deref(), Some("*:z"));
    }
}
