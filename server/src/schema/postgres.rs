//! A live PostgreSQL database: its tables, columns and constraints read from the catalog in a
//! read-only transaction, and the drift between them and what the code defines.
//!
//! Credentials never leave this module: every message names the database by [`redact`]ed URL and
//! has the password scrubbed out.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Serialize;

use super::{normalize_type, Column, ForeignKey, Index, Table};

/// Bookkeeping tables of migration tools: in the database, but never defined by the code.
const TOOL_TABLES: [&str; 10] = [
    "_prisma_migrations",
    "knex_migrations",
    "knex_migrations_lock",
    "schema_migrations",
    "typeorm_metadata",
    "migrations",
    "SequelizeMeta",
    "__drizzle_migrations",
    "pgmigrations",
    "goose_db_version",
];

/// What differs between the code's tables and the database's.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Drift {
    /// The database compared against, its password replaced by `***`.
    pub database: String,
    /// Tables in the database that no code defines (with their columns).
    pub only_in_database: Vec<Table>,
    /// Tables the code defines that the database does not have.
    pub only_in_code: Vec<TableRef>,
    /// Differences in tables both have.
    pub columns: Vec<ColumnDrift>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableRef {
    pub name: String,
    pub schema: Option<String>,
    pub file: String,
    pub line: u32,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnDrift {
    /// `schema.table`.
    pub table: String,
    pub column: String,
    /// `only_in_database`, `only_in_code`, `type`, `nullable`, `primary_key` or `foreign_key`.
    pub kind: String,
    /// What the code says (the type, `null`/`not null`, `table.column`), when it says anything.
    pub code: Option<String>,
    /// What the database says.
    pub database: Option<String>,
    /// The code definition compared.
    pub file: String,
    pub line: u32,
    pub source: String,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.only_in_database.is_empty() && self.only_in_code.is_empty() && self.columns.is_empty()
    }
}

/// The URL with its password replaced by `***` (URL and `key=value` forms).
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => format!("{userinfo}@{host}"),
            },
            None => authority.to_string(),
        };
        let tail = redact_query(tail);
        return format!("{scheme}://{authority}{tail}");
    }
    url.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn redact_query(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Removes the URL's password (and the URL itself) from a message.
fn scrub(message: &str, url: &str) -> String {
    let mut out = message.replace(url, &redact(url));
    if let Ok(config) = url.parse::<postgres::Config>() {
        if let Some(pw) = config.get_password() {
            if let Ok(pw) = std::str::from_utf8(pw) {
                if !pw.is_empty() {
                    out = out.replace(pw, "***");
                }
            }
        }
    }
    out
}

const COLUMNS_SQL: &str = "
SELECT n.nspname::text, c.relname::text, a.attname::text,
       format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname, a.attnum";

const CONSTRAINTS_SQL: &str = "
SELECT n.nspname::text, c.relname::text, con.contype::text, con.conname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       fc.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE con.contype IN ('p', 'f', 'u')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY n.nspname, c.relname, con.conname";

/// Reads the database's tables in a read-only transaction. Errors never show the password.
pub fn introspect(url: &str) -> Result<Vec<Table>, String> {
    let shown = redact(url);
    let fail = |what: &str, e: &postgres::Error| {
        format!("{shown}: {what}: {}", scrub(&error_text(e), url))
    };
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| fail("not a PostgreSQL connection URL", &e))?;
    config.connect_timeout(Duration::from_secs(10));
    if config.get_application_name().is_none() {
        config.application_name("backend-brain");
    }
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|e| fail("could not connect", &e))?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| fail("could not start a read-only transaction", &e))?;
    // Proven, not assumed: nothing is read unless the server says the transaction is read-only
    // (the live tests go through here, so they fail if it ever is not).
    let read_only: String = tx
        .query_one("SHOW transaction_read_only", &[])
        .map_err(|e| fail("could not start a read-only transaction", &e))?
        .get(0);
    if read_only != "on" {
        return Err(format!(
            "{shown}: the transaction is not read-only; nothing was read"
        ));
    }
    let rows = tx
        .query(COLUMNS_SQL, &[])
        .map_err(|e| fail("could not read the columns", &e))?;
    let mut tables: BTreeMap<(String, String), Table> = BTreeMap::new();
    for row in rows {
        let schema: String = row.get(0);
        let name: String = row.get(1);
        let column: String = row.get(2);
        let ty: String = row.get(3);
        let nullable: bool = row.get(4);
        let default: Option<String> = row.get(5);
        let t = tables
            .entry((schema.clone(), name.clone()))
            .or_insert_with(|| {
                let mut t = Table::new(name, "", 0, "database");
                t.schema = Some(schema);
                t
            });
        let mut c = Column::new(column, ty);
        c.nullable = nullable;
        c.default = default;
        t.columns.push(c);
    }
    let rows = tx
        .query(CONSTRAINTS_SQL, &[])
        .map_err(|e| fail("could not read the constraints", &e))?;
    for row in rows {
        let schema: String = row.get(0);
        let name: String = row.get(1);
        let kind: String = row.get(2);
        let constraint: String = row.get(3);
        let columns: Vec<String> = row.get(4);
        let target: Option<String> = row.get(5);
        let referred: Vec<String> = row.get(6);
        let Some(t) = tables.get_mut(&(schema, name)) else {
            continue;
        };
        match kind.as_str() {
            "p" => {
                for c in &mut t.columns {
                    if columns.contains(&c.name) {
                        c.primary_key = true;
                    }
                }
            }
            "f" => {
                for (i, name) in columns.iter().enumerate() {
                    if let (Some(c), Some(target), Some(r)) =
                        (t.column_mut(name), target.as_ref(), referred.get(i))
                    {
                        c.foreign_key = Some(ForeignKey {
                            table: target.clone(),
                            column: r.clone(),
                        });
                    }
                }
            }
            _ => t.indexes.push(Index {
                name: Some(constraint),
                columns,
                unique: true,
            }),
        }
    }
    tx.rollback()
        .map_err(|e| fail("could not end the transaction", &e))?;
    Ok(tables.into_values().collect())
}

/// The server's own message, or the error with its causes (`db error` alone says nothing).
fn error_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

fn key(t: &Table) -> (String, String) {
    (
        t.schema.clone().unwrap_or_else(|| "public".to_string()),
        t.name.clone(),
    )
}

fn nullability(nullable: bool) -> String {
    if nullable { "null" } else { "not null" }.to_string()
}

fn fk_text(fk: &Option<ForeignKey>) -> Option<String> {
    fk.as_ref().map(|f| format!("{}.{}", f.table, f.column))
}

/// Compares the code's tables with the database's, both ways. A table defined by several sources
/// is compared once per definition.
pub fn drift(code: &[Table], database: &[Table], shown_url: &str) -> Drift {
    let mut out = Drift {
        database: shown_url.to_string(),
        ..Drift::default()
    };
    let db: HashMap<(String, String), &Table> = database.iter().map(|t| (key(t), t)).collect();
    let code_keys: std::collections::HashSet<(String, String)> = code.iter().map(key).collect();
    for t in database {
        if !code_keys.contains(&key(t)) && !TOOL_TABLES.contains(&t.name.as_str()) {
            out.only_in_database.push(t.clone());
        }
    }
    for t in code {
        let Some(d) = db.get(&key(t)) else {
            out.only_in_code.push(TableRef {
                name: t.name.clone(),
                schema: t.schema.clone(),
                file: t.file.clone(),
                line: t.line,
                source: t.source.clone(),
            });
            continue;
        };
        let table = format!("{}.{}", key(t).0, t.name);
        let mut push =
            |column: &str, kind: &str, code: Option<String>, database: Option<String>| {
                out.columns.push(ColumnDrift {
                    table: table.clone(),
                    column: column.to_string(),
                    kind: kind.to_string(),
                    code,
                    database,
                    file: t.file.clone(),
                    line: t.line,
                    source: t.source.clone(),
                })
            };
        for c in &t.columns {
            let Some(dc) = d.column(&c.name) else {
                push(&c.name, "only_in_code", Some(c.ty.clone()), None);
                continue;
            };
            if c.ty != "?" && normalize_type(&c.ty) != normalize_type(&dc.ty) {
                push(&c.name, "type", Some(c.ty.clone()), Some(dc.ty.clone()));
            }
            if c.nullable != dc.nullable {
                push(
                    &c.name,
                    "nullable",
                    Some(nullability(c.nullable)),
                    Some(nullability(dc.nullable)),
                );
            }
            if c.primary_key != dc.primary_key {
                push(
                    &c.name,
                    "primary_key",
                    Some(c.primary_key.to_string()),
                    Some(dc.primary_key.to_string()),
                );
            }
            if c.foreign_key != dc.foreign_key {
                push(
                    &c.name,
                    "foreign_key",
                    fk_text(&c.foreign_key),
                    fk_text(&dc.foreign_key),
                );
            }
        }
        for dc in &d.columns {
            if t.column(&dc.name).is_none() {
                push(&dc.name, "only_in_database", None, Some(dc.ty.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db.local:5432/shop?sslmode=disable"),
            "postgres://app:***@db.local:5432/shop?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://app@localhost/shop"),
            "postgresql://app@localhost/shop"
        );
        assert_eq!(
            redact("postgres://localhost/shop?user=app&password=s3cret"),
            "postgres://localhost/shop?user=app&password=***"
        );
        assert_eq!(
            redact("host=localhost password=s3cret dbname=shop"),
            "host=localhost password=*** dbname=shop"
        );
    }

    #[test]
    fn connection_errors_do_not_show_the_password() {
        let err = introspect("postgres://app:hunter2@127.0.0.1:1/shop").expect_err("no server");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("app:***@127.0.0.1:1"), "{err}");
    }
}
