//! Tables and columns, read from what the code says about its database: SQL migrations, Prisma
//! schemas, and the TypeScript ORMs (TypeORM entities, Drizzle tables, Knex migrations, Sequelize
//! models). A live PostgreSQL database can be introspected and compared ([`postgres`]).
//!
//! Schema files (`.sql`, `.prisma`) are parsed once per file into [`SchemaFacts`], kept by the
//! workspace beside the TypeScript facts; the ORM readers work on those TypeScript facts. Tables are
//! put together across files when the inventory is built.

mod orm;
pub mod pii;
pub mod postgres;
mod prisma;
mod sql;

use serde::Serialize;

use crate::facts::FileFacts;

/// One table as one source defines it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    pub name: String,
    /// The schema when the source names one (`auth.users`, `@@schema("auth")`, `pgSchema('auth')`).
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    /// Root-relative path of the file that defines (creates) the table.
    pub file: String,
    /// 1-based line of the definition.
    pub line: u32,
    /// `sql`, `prisma`, `typeorm`, `drizzle`, `knex` or `sequelize`.
    pub source: String,
    /// The name code uses for the table when it is not the table's own: the Prisma model, the
    /// TypeORM entity or Sequelize model class, the Drizzle table's variable.
    pub model: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    /// The column type, lower case, in PostgreSQL's words where the source maps to one
    /// (`text`, `integer`, `varchar(255)`, `timestamptz`); `?` when the source does not say.
    #[serde(rename = "type")]
    pub ty: String,
    pub nullable: bool,
    /// The default as written (`now()`, `'customer'`, `0`); an ORM's client-side default is not one.
    pub default: Option<String>,
    pub primary_key: bool,
    pub foreign_key: Option<ForeignKey>,
    /// The personal data the column holds, by its name and type and the `[pii]` config; null
    /// when it holds none.
    pub pii: Option<pii::Pii>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub table: String,
    pub column: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: Option<String>,
    /// Column names, or the expression's text for an expression index.
    pub columns: Vec<String>,
    pub unique: bool,
}

impl Column {
    fn new(name: impl Into<String>, ty: impl Into<String>) -> Self {
        Column {
            name: name.into(),
            ty: ty.into(),
            nullable: true,
            default: None,
            primary_key: false,
            foreign_key: None,
            pii: None,
        }
    }
}

impl Table {
    fn new(name: impl Into<String>, file: &str, line: u32, source: &str) -> Self {
        Table {
            name: name.into(),
            schema: None,
            columns: Vec::new(),
            indexes: Vec::new(),
            file: file.to_string(),
            line,
            source: source.to_string(),
            model: None,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// `schema.name`, or the name alone when no schema is named.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Something in a schema file that could not be read; the rest of the file still is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaProblem {
    pub line: u32,
    pub message: String,
}

/// What one schema file says, parsed once.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaFacts {
    /// A SQL file's statements that change tables, in file order; applied in migration order.
    Sql {
        ops: Vec<sql::Op>,
        problems: Vec<SchemaProblem>,
    },
    /// A Prisma schema's models.
    Prisma {
        tables: Vec<Table>,
        problems: Vec<SchemaProblem>,
    },
}

impl SchemaFacts {
    pub fn problems(&self) -> &[SchemaProblem] {
        match self {
            SchemaFacts::Sql { problems, .. } | SchemaFacts::Prisma { problems, .. } => problems,
        }
    }
}

/// Whether a root-relative path is a schema file this module reads.
pub fn is_schema_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".prisma") || (lower.ends_with(".sql") && !is_down_migration(&lower))
}

/// `0001_init.down.sql`, `down.sql`: undoing a migration is not part of the schema.
fn is_down_migration(lower_name: &str) -> bool {
    lower_name == "down.sql"
        || lower_name.ends_with(".down.sql")
        || lower_name.ends_with("_down.sql")
}

/// Parses one schema file's text; `rel` picks the reader by its extension.
pub fn parse_schema_file(rel: &str, text: &str) -> SchemaFacts {
    if rel.to_ascii_lowercase().ends_with(".prisma") {
        let (tables, problems) = prisma::parse(rel, text);
        SchemaFacts::Prisma { tables, problems }
    } else {
        let (ops, problems) = sql::parse(text);
        SchemaFacts::Sql { ops, problems }
    }
}

/// Every table the workspace defines: SQL migrations applied in migration order, Prisma models,
/// and the ORM definitions in TypeScript. Sorted by name, schema, source, file, line.
pub fn tables(schema_files: &[(&str, &SchemaFacts)], sources: &[(&str, &FileFacts)]) -> Vec<Table> {
    let mut sql_files: Vec<(&str, &Vec<sql::Op>)> = Vec::new();
    let mut out = Vec::new();
    for (path, facts) in schema_files {
        match facts {
            SchemaFacts::Sql { ops, .. } => sql_files.push((path, ops)),
            SchemaFacts::Prisma { tables, .. } => out.extend(tables.iter().cloned()),
        }
    }
    sql_files.sort_by(|a, b| migration_order(a.0, b.0));
    out.extend(sql::apply(&sql_files));
    out.extend(orm::tables(sources));
    out.sort_by(|a, b| {
        (&a.name, &a.schema, &a.source, &a.file, a.line)
            .cmp(&(&b.name, &b.schema, &b.source, &b.file, b.line))
    });
    out
}

/// File name order with digit runs compared as numbers (`2_x.sql` before `10_x.sql`).
pub fn migration_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn key(s: &str) -> Vec<(u8, String)> {
        let mut parts = Vec::new();
        let mut chars = s.chars().peekable();
        while let Some(&c) = chars.peek() {
            let digit = c.is_ascii_digit();
            let mut run = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() != digit {
                    break;
                }
                run.push(c);
                chars.next();
            }
            if digit {
                let trimmed = run.trim_start_matches('0');
                parts.push((0, format!("{:0>40}", trimmed)));
            } else {
                parts.push((1, run));
            }
        }
        parts
    }
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// A column type in PostgreSQL's canonical words, for comparing types written different ways
/// (`int4` = `integer` = `serial`, `timestamptz` = `timestamp with time zone`).
pub fn normalize_type(ty: &str) -> String {
    // `"Role"` (a quoted enum type name) is `Role`; case is not a difference worth reporting.
    let t = ty.trim().replace('"', "").to_ascii_lowercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(inner) = t.strip_suffix("[]") {
        return format!("{}[]", normalize_type(inner));
    }
    let (base, args) = match t.find('(') {
        Some(i) if !t.starts_with("timestamp") && !t.starts_with("time") => {
            let (b, a) = t.split_at(i);
            (b.trim().to_string(), a.replace(' ', ""))
        }
        _ => (t.clone(), String::new()),
    };
    let base = match base.as_str() {
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer",
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint",
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint",
        "bool" | "boolean" => "boolean",
        "varchar" | "character varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "float8" | "double precision" | "double" | "float" => "double precision",
        "float4" | "real" => "real",
        "decimal" | "numeric" => "numeric",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        "time" | "time without time zone" => "time without time zone",
        other => {
            // `timestamp(3)`, `timestamp(3) with time zone`, `timestamptz(6)`.
            if let Some(rest) = other.strip_prefix("timestamptz") {
                return format!("timestamp{} with time zone", rest.trim());
            }
            if other.starts_with("timestamp(") {
                let close = other.find(')').map(|i| i + 1).unwrap_or(other.len());
                let (p, zone) = other.split_at(close);
                let zone = zone.trim();
                return if zone.is_empty() || zone == "without time zone" {
                    format!("{p} without time zone")
                } else {
                    format!("{p} {zone}")
                };
            }
            return format!("{other}{args}");
        }
    };
    format!("{base}{args}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_files_sort_by_number() {
        let mut files = vec!["m/10_b.sql", "m/2_a.sql", "m/001_x.sql"];
        files.sort_by(|a, b| migration_order(a, b));
        assert_eq!(files, vec!["m/001_x.sql", "m/2_a.sql", "m/10_b.sql"]);
    }

    #[test]
    fn types_normalize() {
        assert_eq!(normalize_type("INT4"), "integer");
        assert_eq!(normalize_type("serial"), "integer");
        assert_eq!(normalize_type("VARCHAR(255)"), "character varying(255)");
        assert_eq!(normalize_type("timestamptz"), "timestamp with time zone");
        assert_eq!(
            normalize_type("TIMESTAMP(3)"),
            "timestamp(3) without time zone"
        );
        assert_eq!(normalize_type("uuid[]"), "uuid[]");
        assert_eq!(normalize_type("numeric(10, 2)"), "numeric(10,2)");
        assert_eq!(normalize_type("float"), "double precision");
        assert_eq!(normalize_type("\"Role\""), normalize_type("Role"));
        assert_eq!(
            normalize_type("timestamptz(6)"),
            "timestamp(6) with time zone"
        );
    }

    /// Every prefix of the fixtures' schema files (cut anywhere, as an editor buffer is mid-edit)
    /// parses without panicking.
    #[test]
    fn truncated_schema_files_do_not_break_the_readers() {
        let files = [
            (
                "a.prisma",
                include_str!("../../../fixtures/schema/prisma/prisma/schema.prisma"),
            ),
            (
                "a.sql",
                include_str!("../../../fixtures/schema/sql/db/migrations/0001_init.sql"),
            ),
            (
                "b.sql",
                include_str!(
                    "../../../fixtures/showcase/migrations/009_add_fees_stripe_and_photos.sql"
                ),
            ),
        ];
        for (name, text) in files {
            for cut in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
                let facts = parse_schema_file(name, &text[..cut]);
                let _ = tables(&[(name, &facts)], &[]);
            }
        }
    }

    #[test]
    fn down_migrations_are_not_schema() {
        assert!(is_schema_path("db/migrations/0001_init.up.sql"));
        assert!(!is_schema_path("db/migrations/0001_init.down.sql"));
        assert!(is_schema_path("prisma/schema.prisma"));
        assert!(!is_schema_path("src/app.ts"));
    }
}
