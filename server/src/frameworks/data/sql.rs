//! Raw SQL handed to any client (`pool.query('SELECT ... FROM orders')`, ``sql`...` ``,
//! `prisma.$queryRaw`, `knex.raw`, a project's own `db.query(text)` wrapper): the text is parsed
//! with a real SQL parser, and the tables it names are read, or written by INSERT, UPDATE and
//! DELETE. The access is recorded where the text was written, not inside a wrapper it passed
//! through.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::rc::Rc;

use sqlparser::ast::{
    visit_relations, FromTable, ObjectName, Statement, TableFactor, TableObject, TableWithJoins,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use super::record;
use crate::facts::Call;
use crate::frameworks::Framework;
use crate::resolve::graph::{Access, TableTarget};
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub struct RawSql;

impl Framework for RawSql {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        _module: &str,
        _path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        _is_new: bool,
    ) -> Option<Value> {
        record_sql(cx, call, env, site);
        None
    }

    fn call_unknown(
        &self,
        cx: &mut Interp<'_>,
        _receiver: &str,
        _method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        record_sql(cx, call, env, site);
        None
    }
}

/// Records the tables of a call's first argument when it is SQL text (or a `{ text }` query
/// object).
fn record_sql(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site) {
    let Some(first) = call.args.first() else {
        return;
    };
    if !might_be_sql(first) {
        return;
    }
    let Some(arg) = cx.eval_args(std::slice::from_ref(first), env).pop() else {
        return;
    };
    let text = match &arg.value {
        Value::Text(t) => t.text.clone(),
        Value::Object(o) => match o.props.iter().find(|(k, _)| k == "text" || k == "sql") {
            Some((_, Value::Text(t))) => t.text.clone(),
            _ => return,
        },
        _ => return,
    };
    let Some(tables) = tables_of(&text) else {
        return;
    };
    let origin = arg.site.unwrap_or(site);
    for (name, access) in tables {
        record(cx, origin, TableTarget::Name(name), access, "sql");
    }
}

/// Cheap check on the argument's shape before evaluating it: a literal, a template, a name or
/// a query object can carry SQL.
fn might_be_sql(expr: &crate::facts::Expr) -> bool {
    use crate::facts::Expr;
    matches!(
        expr,
        Expr::Str(..) | Expr::Template(..) | Expr::Ident(..) | Expr::Member(..) | Expr::Object(..)
    )
}

/// The tables a SQL text reads and writes, or `None` when it is not SQL. Parts computed at run
/// time (`${source}`) become placeholders.
pub fn tables_of(text: &str) -> Option<BTreeSet<(String, Access)>> {
    let sql = placeholders(text);
    let head = sql.trim_start().get(..6)?.to_ascii_lowercase();
    if ![
        "select", "insert", "update", "delete", "with ", "with\n", "merge ",
    ]
    .iter()
    .any(|k| head.starts_with(k.trim_end()))
    {
        return None;
    }
    let dialects: [&dyn Dialect; 3] = [&PostgreSqlDialect {}, &MySqlDialect {}, &GenericDialect {}];
    let statements = dialects
        .iter()
        .find_map(|d| Parser::parse_sql(*d, &sql).ok())?;
    let mut out = BTreeSet::new();
    for statement in &statements {
        let written = written_tables(statement);
        let ctes = cte_names(statement);
        let _ = visit_relations(statement, |name: &ObjectName| {
            let name = object_name(name);
            if !written.contains(&name) && !ctes.contains(&name) {
                out.insert((name, Access::Read));
            }
            ControlFlow::<()>::Continue(())
        });
        out.extend(written.into_iter().map(|n| (n, Access::Write)));
    }
    (!out.is_empty()).then_some(out)
}

/// `${id}` → `$1`: run-time parts of a template become bind parameters the parser accepts.
fn placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str("$1");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|part| part.to_string().trim_matches(['"', '`']).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

fn written_tables(statement: &Statement) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut from_joins = |t: &TableWithJoins| {
        if let TableFactor::Table { name, .. } = &t.relation {
            out.insert(object_name(name));
        }
    };
    match statement {
        Statement::Insert(insert) => {
            if let TableObject::TableName(name) = &insert.table {
                out.insert(object_name(name));
            }
        }
        Statement::Update(update) => from_joins(&update.table),
        Statement::Delete(delete) => {
            if delete.tables.is_empty() {
                match &delete.from {
                    FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables) => {
                        tables.iter().for_each(from_joins)
                    }
                }
            } else {
                out.extend(delete.tables.iter().map(object_name));
            }
        }
        _ => {}
    }
    out
}

fn cte_names(statement: &Statement) -> BTreeSet<String> {
    match statement {
        Statement::Query(query) => query
            .with
            .iter()
            .flat_map(|w| w.cte_tables.iter().map(|c| c.alias.name.value.clone()))
            .collect(),
        _ => BTreeSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> Vec<(String, &'static str)> {
        tables_of(text)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, a)| (n, if a == Access::Read { "read" } else { "write" }))
            .collect()
    }

    #[test]
    fn reads_and_writes_by_statement() {
        assert_eq!(
            tables("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1"),
            vec![("orders".into(), "read"), ("users".into(), "read")]
        );
        assert_eq!(
            tables("INSERT INTO audit_log (kind) SELECT kind FROM events"),
            vec![("audit_log".into(), "write"), ("events".into(), "read")]
        );
        assert_eq!(
            tables("UPDATE orders SET status = ${status} WHERE id = ${id}"),
            vec![("orders".into(), "write")]
        );
        assert_eq!(
            tables("delete from public.sessions where user_id = ?"),
            vec![("public.sessions".into(), "write")]
        );
        assert_eq!(
            tables("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent"),
            vec![("orders".into(), "read")]
        );
    }

    #[test]
    fn text_that_is_not_sql_names_no_table() {
        assert_eq!(tables("Update failed for user"), vec![]);
        assert_eq!(tables("selected items"), vec![]);
        assert_eq!(tables(""), vec![]);
    }
}
