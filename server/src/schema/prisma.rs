//! Prisma schemas: `model` blocks become tables (`@@map`, `@map`, `@id`, `@@id`, `@default`,
//! `@relation`, `@unique`, `@@index`, `@db.*` native types), `enum` blocks become column types.
//! A small hand parser: blocks, fields and attributes are all the schema language has.

use std::collections::HashMap;

use super::{Column, ForeignKey, Index, SchemaProblem, Table};

struct Block {
    kind: String,
    name: String,
    line: u32,
    /// Body lines with their 1-based numbers, comments removed.
    lines: Vec<(u32, String)>,
}

/// An attribute `@name(args)` or `@@name(args)`: the name (without `@`) and the raw argument text.
#[derive(Debug)]
struct Attr {
    name: String,
    args: Option<String>,
}

fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn blocks(text: &str, problems: &mut Vec<SchemaProblem>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(block) = current.as_mut() {
            if line == "}" {
                out.extend(current.take());
            } else {
                block.lines.push((n, line.to_string()));
            }
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [kind, name, "{"] => {
                current = Some(Block {
                    kind: kind.to_string(),
                    name: name.to_string(),
                    line: n,
                    lines: Vec::new(),
                })
            }
            [kind, name, "{}"] => out.push(Block {
                kind: kind.to_string(),
                name: name.to_string(),
                line: n,
                lines: Vec::new(),
            }),
            _ => problems.push(SchemaProblem {
                line: n,
                message: format!("not understood: {line}"),
            }),
        }
    }
    if let Some(b) = current {
        problems.push(SchemaProblem {
            line: b.line,
            message: format!("{} {} is not closed", b.kind, b.name),
        });
        out.push(b);
    }
    out
}

/// Splits the attributes off a field's or block's remaining text.
fn attributes(text: &str) -> Vec<Attr> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        while i < chars.len() && chars[i] == '@' {
            i += 1;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
        {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        let mut args = None;
        if i < chars.len() && chars[i] == '(' {
            let mut depth = 0;
            let mut in_string = false;
            let open = i;
            while i < chars.len() {
                match chars[i] {
                    '"' if chars[i - 1] != '\\' => in_string = !in_string,
                    '(' if !in_string => depth += 1,
                    ')' if !in_string => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            args = Some(chars[open + 1..i.min(chars.len())].iter().collect());
            i += 1;
        }
        out.push(Attr { name, args });
    }
    out
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

/// The named argument `key: value`, or the first positional argument when `key` is `None`.
fn arg(args: &str, key: Option<&str>) -> Option<String> {
    let mut depth = 0;
    let mut in_string = false;
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in args.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '(' | '[' if !in_string => depth += 1,
            ')' | ']' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                parts.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&args[start..]);
    for p in parts {
        let p = p.trim();
        let named = p
            .split_once(':')
            .filter(|(k, _)| k.trim().chars().all(|c| c.is_alphanumeric() || c == '_'));
        match (key, named) {
            (Some(k), Some((name, value))) if name.trim() == k => {
                return Some(value.trim().to_string())
            }
            (None, None) if !p.is_empty() => return Some(p.to_string()),
            _ => {}
        }
    }
    None
}

/// `[a, b]` → `["a", "b"]` (sort orders like `a(sort: Desc)` keep the name).
fn list(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.split('(').next().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn scalar_type(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "String" => "text",
        "Int" => "integer",
        "BigInt" => "bigint",
        "Float" => "double precision",
        "Decimal" => "decimal(65,30)",
        "Boolean" => "boolean",
        "DateTime" => "timestamp(3)",
        "Json" => "jsonb",
        "Bytes" => "bytea",
        _ => return None,
    })
}

/// `@db.VarChar(255)` → `varchar(255)`, `@db.Timestamptz(6)` → `timestamptz(6)`.
fn native_type(name: &str, args: Option<&str>) -> String {
    let base = name.trim_start_matches("db.").to_ascii_lowercase();
    let base = match base.as_str() {
        "doubleprecision" => "double precision".to_string(),
        "char" => "char".to_string(),
        _ => base,
    };
    match args {
        Some(a) if !a.trim().is_empty() => format!("{base}({})", a.replace(' ', "")),
        _ => base,
    }
}

struct Model<'a> {
    block: &'a Block,
    table: String,
    /// Field name → column name.
    columns: HashMap<String, String>,
    id: Vec<String>,
}

pub fn parse(rel: &str, text: &str) -> (Vec<Table>, Vec<SchemaProblem>) {
    let mut problems = Vec::new();
    let blocks = blocks(text, &mut problems);
    let mut enums: HashMap<String, String> = HashMap::new();
    for b in blocks.iter().filter(|b| b.kind == "enum") {
        let mapped = b
            .lines
            .iter()
            .filter(|(_, l)| l.starts_with("@@"))
            .flat_map(|(_, l)| attributes(l))
            .find(|a| a.name == "map")
            .and_then(|a| a.args.as_deref().and_then(|x| arg(x, None)))
            .map(|s| unquote(&s));
        enums.insert(b.name.clone(), mapped.unwrap_or_else(|| b.name.clone()));
    }
    // First pass: every model's table name, its fields' column names, and its id.
    let mut models: HashMap<String, Model<'_>> = HashMap::new();
    for b in blocks.iter().filter(|b| b.kind == "model") {
        let mut m = Model {
            block: b,
            table: b.name.clone(),
            columns: HashMap::new(),
            id: Vec::new(),
        };
        for (_, line) in &b.lines {
            if line.starts_with("@@") {
                for a in attributes(line) {
                    match (a.name.as_str(), a.args.as_deref()) {
                        ("map", Some(x)) => {
                            if let Some(v) = arg(x, Some("name")).or_else(|| arg(x, None)) {
                                m.table = unquote(&v);
                            }
                        }
                        ("id", Some(x)) => {
                            m.id = arg(x, Some("fields"))
                                .or_else(|| arg(x, None))
                                .map(|v| list(&v))
                                .unwrap_or_default()
                        }
                        _ => {}
                    }
                }
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(_)) = (words.next(), words.next()) else {
                continue;
            };
            let column = attributes(line)
                .into_iter()
                .find(|a| a.name == "map")
                .and_then(|a| a.args.as_deref().and_then(|x| arg(x, None)))
                .map(|s| unquote(&s))
                .unwrap_or_else(|| name.to_string());
            if attributes(line).iter().any(|a| a.name == "id") {
                m.id.push(name.to_string());
            }
            m.columns.insert(name.to_string(), column);
        }
        models.insert(b.name.clone(), m);
    }
    let mut tables = Vec::new();
    for b in blocks.iter().filter(|b| b.kind == "model") {
        let m = &models[&b.name];
        let mut t = Table::new(m.table.clone(), rel, m.block.line, "prisma");
        t.model = Some(b.name.clone());
        let column_of = |field: &str| m.columns.get(field).cloned().unwrap_or(field.to_string());
        let mut references: Vec<(Vec<String>, String, Vec<String>)> = Vec::new();
        for (line_no, line) in &b.lines {
            let attrs = attributes(line);
            if line.starts_with("@@") {
                for a in attrs {
                    let Some(x) = a.args.as_deref() else { continue };
                    match a.name.as_str() {
                        "schema" => t.schema = arg(x, None).map(|s| unquote(&s)),
                        "unique" | "index" => {
                            let columns: Vec<String> = arg(x, Some("fields"))
                                .or_else(|| arg(x, None))
                                .map(|v| list(&v))
                                .unwrap_or_default()
                                .iter()
                                .map(|f| column_of(f))
                                .collect();
                            let unique = a.name == "unique";
                            t.indexes.push(Index {
                                name: Some(
                                    arg(x, Some("map"))
                                        .or_else(|| arg(x, Some("name")))
                                        .map(|s| unquote(&s))
                                        .unwrap_or_else(|| {
                                            default_index_name(&t.name, &columns, unique)
                                        }),
                                ),
                                columns,
                                unique,
                            })
                        }
                        _ => {}
                    }
                }
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(ty)) = (words.next(), words.next()) else {
                problems.push(SchemaProblem {
                    line: *line_no,
                    message: format!("field not understood: {line}"),
                });
                continue;
            };
            let optional = ty.ends_with('?');
            let is_list = ty.ends_with("[]");
            let base = ty.trim_end_matches('?').trim_end_matches("[]");
            if let Some(rel) = attrs.iter().find(|a| a.name == "relation") {
                if let (Some(fields), Some(refs)) = (
                    rel.args.as_deref().and_then(|x| arg(x, Some("fields"))),
                    rel.args.as_deref().and_then(|x| arg(x, Some("references"))),
                ) {
                    references.push((list(&fields), base.to_string(), list(&refs)));
                }
            }
            if models.contains_key(base) {
                continue; // a relation field: the columns are its `fields`
            }
            let native = attrs.iter().find(|a| a.name.starts_with("db."));
            let mut column_type = match (native, scalar_type(base), enums.get(base)) {
                (Some(n), _, _) => native_type(&n.name, n.args.as_deref()),
                (None, Some(s), _) => s.to_string(),
                (None, None, Some(e)) => e.clone(),
                (None, None, None) if base.starts_with("Unsupported(") => unquote(
                    base.trim_start_matches("Unsupported(")
                        .trim_end_matches(')'),
                ),
                _ => "?".to_string(),
            };
            if is_list {
                column_type.push_str("[]");
            }
            let mut c = Column::new(column_of(name), column_type);
            c.nullable = optional;
            for a in &attrs {
                match a.name.as_str() {
                    "id" => c.primary_key = true,
                    "unique" => t.indexes.push(Index {
                        name: Some(
                            a.args
                                .as_deref()
                                .and_then(|x| arg(x, Some("map")))
                                .map(|s| unquote(&s))
                                .unwrap_or_else(|| {
                                    default_index_name(&t.name, &[c.name.clone()], true)
                                }),
                        ),
                        columns: vec![c.name.clone()],
                        unique: true,
                    }),
                    "default" => c.default = a.args.as_deref().and_then(default),
                    _ => {}
                }
            }
            if m.id.iter().any(|f| f == name) {
                c.primary_key = true;
            }
            t.columns.push(c);
        }
        for (fields, target, refs) in references {
            let target_model = models.get(&target);
            for (i, f) in fields.iter().enumerate() {
                let column = column_of(f);
                let referred = refs.get(i).map(|r| {
                    target_model
                        .and_then(|tm| tm.columns.get(r).cloned())
                        .unwrap_or_else(|| r.clone())
                });
                if let (Some(c), Some(referred)) = (t.column_mut(&column), referred) {
                    c.foreign_key = Some(ForeignKey {
                        table: target_model
                            .map(|tm| tm.table.clone())
                            .unwrap_or_else(|| target.clone()),
                        column: referred,
                    });
                }
            }
        }
        tables.push(t);
    }
    (tables, problems)
}

/// Prisma's default constraint names: `users_email_key`, `posts_author_id_idx`.
fn default_index_name(table: &str, columns: &[String], unique: bool) -> String {
    format!(
        "{table}_{}_{}",
        columns.join("_"),
        if unique { "key" } else { "idx" }
    )
}

/// A database default: literals and database functions; client-side generators (`uuid()`,
/// `cuid()`, `nanoid()`, `ulid()`) are not database defaults.
fn default(args: &str) -> Option<String> {
    let value = arg(args, None)?;
    let v = value.trim();
    if let Some(inner) = v
        .strip_prefix("dbgenerated(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return Some(unquote(inner));
    }
    if v.starts_with('"') {
        return Some(format!("'{}'", unquote(v)));
    }
    if v.ends_with(')') {
        let name = v.split('(').next().unwrap_or("");
        return match name {
            "uuid" | "cuid" | "nanoid" | "ulid" => None,
            _ => Some(v.to_string()),
        };
    }
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" || v.starts_with('[') {
        return Some(v.to_string());
    }
    Some(format!("'{v}'"))
}
