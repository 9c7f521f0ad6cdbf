//! Reading the options object a call is given (`send({ templateId: 'x' })`,
//! `new S3Client({ endpoint })`), written in the call or passed in through a variable or a
//! parameter, keeping where a value passed through parameters was first written.

use std::rc::Rc;

use crate::facts::{Call, Expr, Prop};
use crate::resolve::value::{Env, Site, Text, Value};
use crate::resolve::Interp;

/// An option's value.
pub struct Found {
    /// Its text, when it is text (a literal, a constant, a template with computed parts); a
    /// component called in place (`react: WelcomeEmail({ name })`) is its name.
    pub text: Option<Text>,
    /// Where it was written, when it came in through a parameter from a caller.
    pub site: Option<Site>,
}

/// The option `key` (dotted for a nested one: `Content.Template.TemplateName`) of the first
/// argument that has it.
pub fn option(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, key: &str) -> Option<Found> {
    let keys: Vec<&str> = key.split('.').collect();
    call.args
        .iter()
        .filter(|a| matches!(a, Expr::Object(..) | Expr::Ident(..) | Expr::Member(..)))
        .find_map(|arg| option_in(cx, arg, &keys, env))
}

fn option_in(cx: &mut Interp<'_>, expr: &Expr, keys: &[&str], env: &Rc<Env>) -> Option<Found> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(value_of(cx, expr, env));
    };
    if let Expr::Object(props, _) = expr {
        let value = props.iter().rev().find_map(|p| match p {
            Prop::KeyValue(k, v) if k == first => Some(v),
            _ => None,
        })?;
        return option_in(cx, value, rest, env);
    }
    let arg = cx.eval_args(std::slice::from_ref(expr), env).pop()?;
    let mut value = arg.value;
    for key in keys {
        value = match value {
            Value::Object(o) => o.props.iter().rev().find(|(k, _)| k == key)?.1.clone(),
            _ => return None,
        };
    }
    Some(Found {
        text: text(value),
        site: arg.site,
    })
}

fn value_of(cx: &mut Interp<'_>, expr: &Expr, env: &Rc<Env>) -> Found {
    if let Expr::Call(call) | Expr::New(call) = expr {
        let name = match &call.callee {
            Expr::Ident(n, _) | Expr::Member(_, n, _) => Some(n),
            _ => None,
        };
        if let Some(n) = name.filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase())) {
            return Found {
                text: Some(Text::literal(n.clone())),
                site: None,
            };
        }
    }
    match cx.eval_args(std::slice::from_ref(expr), env).pop() {
        Some(arg) => Found {
            text: text(arg.value),
            site: arg.site,
        },
        None => Found {
            text: None,
            site: None,
        },
    }
}

fn text(value: Value) -> Option<Text> {
    match value {
        Value::Text(t) => Some(t),
        _ => None,
    }
}
