//! Environment variables in one file's facts: reads destructured from `process.env`, and the keys
//! of schemas that validate `process.env` (read from the calls and bindings of the same file).

use std::collections::HashMap;

use super::{BindingInit, Declared, EnvRead, Expr, FileFacts, Pattern, Prop, Scope, Span};

/// Methods that validate their receiver's schema against `process.env`: zod's `parse` family,
/// joi's `validate`, yup's `validateSync`/`cast`.
const PARSE_METHODS: [&str; 8] = [
    "parse",
    "safeParse",
    "parseAsync",
    "safeParseAsync",
    "validate",
    "validateAsync",
    "validateSync",
    "cast",
];

/// Functions that take `process.env` and a schema: envalid's `cleanEnv(process.env, {...})`,
/// joi's `Joi.attempt(process.env, schema)`.
const VALIDATING_FUNCTIONS: [&str; 2] = ["cleanEnv", "attempt"];

/// How many bindings a schema is followed through (`const base = ...; const Env = base.extend()`).
const MAX_HOPS: u32 = 4;

/// `process.env`.
pub(super) fn is_process_env(expr: &Expr) -> bool {
    matches!(expr, Expr::Member(object, env, _)
        if env == "env" && matches!(object.as_ref(), Expr::Ident(p, _) if p == "process"))
}

/// A literal as text: `'x'` is `x`, `10` is `10`.
pub(super) fn literal_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Str(s, _) => Some(s.clone()),
        Expr::Num(n) => Some(crate::resolve::describe(&Expr::Num(*n))),
        Expr::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `const { PORT = 3000, HOST } = process.env;`: one read per name taken.
pub(super) fn destructured(pattern: &Pattern, scope: Scope) -> Vec<EnvRead> {
    let Pattern::Object(props) = pattern else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(key, _)| key != "...")
        .filter_map(|(key, p)| {
            let (inner, default) = match p {
                Pattern::Default(inner, default) => (inner.as_ref(), literal_text(default)),
                other => (other, None),
            };
            let Pattern::Ident(_, span) = inner else {
                return None;
            };
            Some(EnvRead {
                name: key.clone(),
                span: *span,
                scope,
                default,
                validator: None,
            })
        })
        .collect()
}

/// The keys of every schema the file validates `process.env` with. `key_spans` maps the start of
/// an object literal's value to its key's token, so that a key is placed on its name.
pub(super) fn schema_keys(facts: &FileFacts, key_spans: &HashMap<u32, Span>) -> Vec<EnvRead> {
    let mut out = Vec::new();
    // `@Module({ imports: [ConfigModule.forRoot({ validationSchema })] })`: decorator arguments
    // are not call sites of their own.
    for class in &facts.classes {
        for decorator in &class.decorators {
            let mut schemas = Vec::new();
            validation_schemas(&decorator.expr, &mut schemas);
            for schema in schemas {
                schema_of(facts, schema, None, class.scope, key_spans, 0, &mut out);
            }
        }
    }
    for site in &facts.calls {
        let Expr::Call(call) = &site.expr else {
            continue;
        };
        // Schemas, with the library that validates them when they are written as plain objects.
        let mut schemas: Vec<(&Expr, Option<String>)> = call
            .args
            .iter()
            .filter_map(|a| match a {
                // `ConfigModule.forRoot({ validationSchema: Joi.object({...}) })`.
                Expr::Object(props, _) => validation_schema(props).map(|v| (v, None)),
                _ => None,
            })
            .collect();
        if call.args.iter().any(is_process_env) {
            match &call.callee {
                Expr::Member(receiver, method, _) if PARSE_METHODS.contains(&method.as_str()) => {
                    schemas.push((receiver, None))
                }
                callee
                    if callee_name(callee).is_some_and(|n| VALIDATING_FUNCTIONS.contains(&n)) =>
                {
                    let validator = root_name(facts, callee);
                    schemas.extend(
                        call.args
                            .iter()
                            .filter(|a| !is_process_env(a))
                            .map(|a| (a, validator.clone())),
                    );
                }
                _ => {}
            }
        }
        for (schema, validator) in schemas {
            schema_of(
                facts,
                schema,
                validator.as_deref(),
                site.scope,
                key_spans,
                0,
                &mut out,
            );
        }
    }
    out
}

/// The `validationSchema` option of an options object.
fn validation_schema(props: &[Prop]) -> Option<&Expr> {
    props.iter().find_map(|p| match p {
        Prop::KeyValue(k, v) if k == "validationSchema" => Some(v),
        _ => None,
    })
}

/// Every `validationSchema` option written anywhere inside `expr`.
fn validation_schemas<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::Call(call) | Expr::New(call) => {
            for arg in &call.args {
                validation_schemas(arg, out);
            }
        }
        Expr::Array(items) => items.iter().for_each(|i| validation_schemas(i, out)),
        Expr::Object(props, _) => match validation_schema(props) {
            Some(schema) => out.push(schema),
            None => props.iter().for_each(|p| match p {
                Prop::KeyValue(_, v) | Prop::Spread(v) => validation_schemas(v, out),
            }),
        },
        _ => {}
    }
}

/// Follows a schema expression through bindings and builder chains (`z.object({...}).extend({...})`,
/// `Joi.object().keys({...})`) to the object literals that name its keys. A plain object literal
/// is a schema only when the function it is given to says which library validates it.
fn schema_of(
    facts: &FileFacts,
    expr: &Expr,
    validator: Option<&str>,
    scope: Scope,
    key_spans: &HashMap<u32, Span>,
    hops: u32,
    out: &mut Vec<EnvRead>,
) {
    match expr {
        Expr::Ident(name, _) if hops < MAX_HOPS => {
            if let Some(Declared::Binding(index)) = facts.lookup(name, scope) {
                let binding = &facts.bindings[index];
                if let BindingInit::Expr(init) = &binding.init {
                    schema_of(
                        facts,
                        init,
                        validator,
                        binding.scope,
                        key_spans,
                        hops + 1,
                        out,
                    );
                }
            }
        }
        Expr::Object(..) => {
            if let Some(validator) = validator {
                keys_of(expr, validator, scope, key_spans, out);
            }
        }
        Expr::Call(_) => {
            let Some(validator) = root_name(facts, expr) else {
                return;
            };
            let mut link = expr;
            while let Expr::Call(call) = link {
                for arg in &call.args {
                    keys_of(arg, &validator, scope, key_spans, out);
                }
                link = match &call.callee {
                    Expr::Member(object, _, _) => object,
                    _ => break,
                };
            }
        }
        _ => {}
    }
}

/// One read per key of an object literal of validators.
fn keys_of(
    object: &Expr,
    validator: &str,
    scope: Scope,
    key_spans: &HashMap<u32, Span>,
    out: &mut Vec<EnvRead>,
) {
    let Expr::Object(props, object_span) = object else {
        return;
    };
    for prop in props {
        let Prop::KeyValue(key, value) = prop else {
            continue;
        };
        let value_span = value.span().unwrap_or(*object_span);
        out.push(EnvRead {
            name: key.clone(),
            span: key_spans
                .get(&value_span.start)
                .copied()
                .unwrap_or(value_span),
            scope,
            default: schema_default(value),
            validator: Some(validator.to_string()),
        });
    }
}

/// The default a validator declares: zod and joi's `.default(x)`, envalid's `str({ default: x })`.
fn schema_default(value: &Expr) -> Option<String> {
    let mut link = value;
    while let Expr::Call(call) = link {
        if matches!(&call.callee, Expr::Member(_, m, _) if m == "default") {
            if let Some(text) = call.args.first().and_then(literal_text) {
                return Some(text);
            }
        }
        for arg in &call.args {
            if let Expr::Object(props, _) = arg {
                let default = props.iter().find_map(|p| match p {
                    Prop::KeyValue(k, v) if k == "default" => literal_text(v),
                    _ => None,
                });
                if default.is_some() {
                    return default;
                }
            }
        }
        link = match &call.callee {
            Expr::Member(object, _, _) => object,
            _ => break,
        };
    }
    None
}

/// The called function's own name: `cleanEnv` in `cleanEnv(...)` and `envalid.cleanEnv(...)`.
fn callee_name(callee: &Expr) -> Option<&str> {
    match callee {
        Expr::Ident(name, _) | Expr::Member(_, name, _) => Some(name),
        _ => None,
    }
}

/// The library a builder chain starts from: the module its root name is imported from (`zod` for
/// `z.object(...)`), or the root name as written.
fn root_name(facts: &FileFacts, expr: &Expr) -> Option<String> {
    let mut link = expr;
    loop {
        link = match link {
            Expr::Call(call) => &call.callee,
            Expr::Member(object, _, _) => object,
            Expr::Ident(name, _) => {
                let module = facts
                    .imports
                    .iter()
                    .find(|i| &i.local == name)
                    .map(|i| i.module.clone());
                return Some(module.unwrap_or_else(|| name.clone()));
            }
            _ => return None,
        };
    }
}

#[cfg(test)]
mod tests {
    /// Each read as `NAME line:col [default] (validator)`.
    fn reads(src: &str) -> Vec<String> {
        let facts = crate::workspace::extract_text("src/env.ts", src).expect("parses");
        facts
            .env_reads
            .iter()
            .map(|r| {
                let mut s = format!("{} {}:{}", r.name, r.span.line + 1, r.span.col + 1);
                if let Some(d) = &r.default {
                    s.push_str(&format!(" [{d}]"));
                }
                if let Some(v) = &r.validator {
                    s.push_str(&format!(" ({v})"));
                }
                s
            })
            .collect()
    }

    #[test]
    fn reads_of_process_env_with_their_fallbacks() {
        assert_eq!(
            reads(
                "const port = Number(process.env.PORT ?? 3000);\n\
                 const host = process.env['HOST'] || 'localhost';\n\
                 if (req.query.token !== process.env.WEBHOOK_TOKEN) {}\n\
                 const { REGION = 'eu-west-1', BUCKET } = process.env;\n\
                 const key = (process.env.API_KEY as string) ?? `none`;\n\
                 const mode = process.env.MODE ?? computeMode();\n"
            ),
            [
                "PORT 1:33 [3000]",
                "HOST 2:26 [localhost]",
                "WEBHOOK_TOKEN 3:37",
                "REGION 4:9 [eu-west-1]",
                "BUCKET 4:31",
                "API_KEY 5:26 [none]",
                "MODE 6:26",
            ]
        );
    }

    #[test]
    fn keys_of_schemas_over_process_env() {
        assert_eq!(
            reads(
                "import { z } from 'zod';\n\
                 const Env = z.object({\n  PORT: z.coerce.number().default(4000),\n  JWT_SECRET: z.string().min(32),\n});\n\
                 export const env = Env.parse(process.env);\n"
            ),
            ["PORT 3:3 [4000] (zod)", "JWT_SECRET 4:3 (zod)"]
        );
        assert_eq!(
            reads(
                "import { cleanEnv, port, str } from 'envalid';\n\
                 export const env = cleanEnv(process.env, { PORT: port({ default: 3000 }), SECRET: str() });\n"
            ),
            ["PORT 2:44 [3000] (envalid)", "SECRET 2:75 (envalid)"]
        );
        assert_eq!(
            reads(
                "import Joi from 'joi';\n\
                 @Module({ imports: [ConfigModule.forRoot({ validationSchema: Joi.object({ DB_HOST: Joi.string().default('db') }) })] })\n\
                 export class AppModule {}\n"
            ),
            ["DB_HOST 2:75 [db] (joi)"]
        );
        // Options that merely mention process.env are no schema.
        assert_eq!(
            reads("spawn('node', ['x.js'], { env: process.env, timeout: 5 });\nObject.assign({ A: 1 }, process.env);\n"),
            Vec::<String>::new()
        );
    }
}
