//! How expressions are named for people: middleware as written, rate limits in short form.

use crate::facts::{BinOp, Expr, TemplatePart};

use super::interp::format_number;
use super::value::Value;

/// The expression roughly as written: `requireRole('admin')`, `passport.authenticate`,
/// `` `order:${status}` ``. A call keeps its arguments only when all of them are literals.
pub fn describe(expr: &Expr) -> String {
    match expr {
        Expr::Str(s, _) => format!("'{s}'"),
        Expr::Num(n) => format_number(*n),
        Expr::Bool(b) => b.to_string(),
        Expr::Nullish => "null".into(),
        Expr::Template(parts, _) => {
            let mut out = String::from("`");
            for part in parts {
                match part {
                    TemplatePart::Lit(s) => out.push_str(s),
                    TemplatePart::Expr(e) => {
                        out.push_str("${");
                        out.push_str(&describe(e));
                        out.push('}');
                    }
                }
            }
            out.push('`');
            out
        }
        Expr::Regex(r, _) => r.clone(),
        Expr::Binary(op, l, r) => {
            let op = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
            };
            format!("{} {op} {}", describe(l), describe(r))
        }
        Expr::Ident(n, _) => n.clone(),
        Expr::This => "this".into(),
        Expr::Super => "super".into(),
        Expr::Member(o, p, _) => format!("{}.{p}", describe(o)),
        Expr::Index(o, i) => format!("{}[{}]", describe(o), describe(i)),
        Expr::Call(c) => format!("{}{}", describe(&c.callee), literal_args(&c.args)),
        Expr::New(c) => format!("new {}{}", describe(&c.callee), literal_args(&c.args)),
        Expr::Object(..) => "{…}".into(),
        Expr::Array(items) if items.iter().all(is_literal) => {
            format!(
                "[{}]",
                items.iter().map(describe).collect::<Vec<_>>().join(", ")
            )
        }
        Expr::Array(_) => "[…]".into(),
        Expr::Spread(e) => format!("...{}", describe(e)),
        Expr::Function(_) => "<inline>".into(),
        Expr::Class(_) => "<class>".into(),
        Expr::Unknown(t, _) => t.clone(),
    }
}

fn is_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Str(..) | Expr::Num(_) | Expr::Bool(_) | Expr::Nullish => true,
        Expr::Array(items) => items.iter().all(is_literal),
        _ => false,
    }
}

fn literal_args(args: &[Expr]) -> String {
    if args.iter().all(is_literal) {
        format!(
            "({})",
            args.iter().map(describe).collect::<Vec<_>>().join(", ")
        )
    } else {
        String::new()
    }
}

/// A rate limiter's options (`{ windowMs: 15 * 60 * 1000, max: 100 }`) in short form: `100/15min`.
/// Also reads `limit` (express-rate-limit 7) and `points`/`duration` (rate-limiter-flexible).
pub fn rate_limit(options: &Value) -> Option<String> {
    let Value::Object(o) = options else {
        return None;
    };
    let num = |keys: &[&str]| {
        o.props.iter().rev().find_map(|(k, v)| match v {
            Value::Num(n) if keys.contains(&k.as_str()) => Some(*n),
            _ => None,
        })
    };
    let max = num(&["max", "limit", "points"])?;
    let window_ms = num(&["windowMs"]).or_else(|| num(&["duration"]).map(|s| s * 1000.0))?;
    Some(rate_text(max, window_ms))
}

/// A limit of `max` requests per `window_ms` in short form: `100/15min`.
pub fn rate_text(max: f64, window_ms: f64) -> String {
    format!("{}/{}", format_number(max), format_window(window_ms))
}

/// A duration in milliseconds in short form: `15min`, `1h`, `30s`, `500ms`.
pub fn format_window(ms: f64) -> String {
    let ms = ms as i64;
    if ms > 0 && ms % 3_600_000 == 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms > 0 && ms % 60_000 == 0 {
        format!("{}min", ms / 60_000)
    } else if ms > 0 && ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}
