//! SQL migrations: the statements that shape tables, read with `sqlparser` (PostgreSQL dialect)
//! one statement at a time, so that one statement it cannot read is reported and skipped while the
//! rest of the file still counts. Files are applied in migration order.

use std::collections::HashMap;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, Expr,
    ForeignKeyConstraint, ObjectName, ObjectNamePart, ObjectType, RenameTableNameKind, Statement,
    TableConstraint,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::{Column, ForeignKey, Index, SchemaProblem, Table};

/// A table name with its schema when one is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QName {
    pub schema: Option<String>,
    pub name: String,
}

impl QName {
    /// The key tables are matched by: an unnamed schema is `public`.
    fn key(&self) -> (String, String) {
        (
            self.schema.clone().unwrap_or_else(|| "public".to_string()),
            self.name.clone(),
        )
    }
}

/// A foreign key as written: the referenced columns may be left to the target's primary key.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub columns: Vec<String>,
    pub table: QName,
    pub referred: Vec<String>,
}

/// One change a statement makes to the tables.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Create {
        table: QName,
        columns: Vec<Column>,
        primary_key: Vec<String>,
        references: Vec<Reference>,
        indexes: Vec<Index>,
        line: u32,
    },
    Drop(QName),
    RenameTable(QName, String),
    AddColumn(QName, Column, Option<Reference>, bool),
    DropColumn(QName, String),
    RenameColumn(QName, String, String),
    SetNotNull(QName, String, bool),
    SetDefault(QName, String, Option<String>),
    SetType(QName, String, String),
    AddPrimaryKey(QName, Vec<String>),
    AddReference(QName, Reference),
    AddIndex(QName, Index),
}

/// `-- migrate:down` (dbmate) starts the part of a file that undoes it.
fn up_part(text: &str) -> &str {
    match text.find("-- migrate:down") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Reads the statements of one SQL file.
pub fn parse(text: &str) -> (Vec<Op>, Vec<SchemaProblem>) {
    let dialect = PostgreSqlDialect {};
    let mut ops = Vec::new();
    let mut problems = Vec::new();
    let tokens = match Tokenizer::new(&dialect, up_part(text)).tokenize_with_location() {
        Ok(t) => t,
        Err(e) => {
            problems.push(SchemaProblem {
                line: e.location.line as u32,
                message: format!("could not be read as SQL: {}", e.message),
            });
            return (ops, problems);
        }
    };
    let mut statement: Vec<TokenWithSpan> = Vec::new();
    let mut flush = |statement: &mut Vec<TokenWithSpan>| {
        let chunk = std::mem::take(statement);
        let Some(first) = chunk
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
        else {
            return;
        };
        let line = first.span.start.line as u32;
        let mut parser = Parser::new(&dialect).with_tokens_with_locations(chunk);
        match parser.parse_statement() {
            Ok(stmt) => {
                if parser.peek_token().token != Token::EOF {
                    problems.push(SchemaProblem {
                        line,
                        message: format!(
                            "statement skipped: unexpected {} after the statement",
                            parser.peek_token().token
                        ),
                    });
                } else {
                    statement_ops(&stmt, line, &mut ops);
                }
            }
            Err(e) => problems.push(SchemaProblem {
                line,
                message: format!("statement skipped: {e}"),
            }),
        }
    };
    for token in tokens {
        if token.token == Token::SemiColon {
            flush(&mut statement);
        } else {
            statement.push(token);
        }
    }
    flush(&mut statement);
    (ops, problems)
}

/// An identifier as PostgreSQL sees it: unquoted names fold to lower case.
fn ident(i: &sqlparser::ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

fn qname(name: &ObjectName) -> QName {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => ident(i),
            other => other.to_string(),
        })
        .collect();
    match parts.as_slice() {
        [] => QName {
            schema: None,
            name: String::new(),
        },
        [name] => QName {
            schema: None,
            name: name.clone(),
        },
        [.., schema, name] => QName {
            schema: Some(schema.clone()),
            name: name.clone(),
        },
    }
}

fn index_column_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => ident(i),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn reference(columns: Vec<String>, fk: &ForeignKeyConstraint) -> Reference {
    Reference {
        columns,
        table: qname(&fk.foreign_table),
        referred: fk.referred_columns.iter().map(ident).collect(),
    }
}

/// A column definition, with the foreign key and unique index it declares inline.
fn column(def: &ColumnDef) -> (Column, Option<Reference>, Option<Index>) {
    let name = ident(&def.name);
    let mut c = Column::new(name.clone(), type_text(&def.data_type));
    let mut fk = None;
    let mut unique = None;
    for option in &def.options {
        match &option.option {
            ColumnOption::Null => c.nullable = true,
            ColumnOption::NotNull => c.nullable = false,
            ColumnOption::Default(e) => c.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => {
                c.primary_key = true;
                c.nullable = false;
            }
            ColumnOption::Unique(_) => {
                unique = Some(Index {
                    name: option.name.as_ref().map(ident),
                    columns: vec![name.clone()],
                    unique: true,
                })
            }
            ColumnOption::ForeignKey(f) => fk = Some(reference(vec![name.clone()], f)),
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => c.nullable = false,
            _ => {}
        }
    }
    (c, fk, unique)
}

/// A type as PostgreSQL names it: built-in names in lower case, a quoted type name (`"Role"`) as
/// written without its quotes.
fn type_text(ty: &sqlparser::ast::DataType) -> String {
    match ty {
        sqlparser::ast::DataType::Custom(name, modifiers) => {
            let mut text = qname(name).name;
            if !modifiers.is_empty() {
                text = format!("{text}({})", modifiers.join(","));
            }
            text
        }
        sqlparser::ast::DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(
            inner,
            _,
        )) => format!("{}[]", type_text(inner)),
        other => other.to_string().to_lowercase(),
    }
}

fn statement_ops(stmt: &Statement, line: u32, ops: &mut Vec<Op>) {
    match stmt {
        Statement::CreateTable(ct) => {
            let mut columns = Vec::new();
            let mut references = Vec::new();
            let mut indexes = Vec::new();
            let mut primary_key = Vec::new();
            for def in &ct.columns {
                let (c, fk, unique) = column(def);
                if c.primary_key {
                    primary_key.push(c.name.clone());
                }
                columns.push(c);
                references.extend(fk);
                indexes.extend(unique);
            }
            for constraint in &ct.constraints {
                match constraint {
                    TableConstraint::PrimaryKey(pk) => {
                        primary_key = pk
                            .columns
                            .iter()
                            .map(|c| index_column_name(&c.column.expr))
                            .collect()
                    }
                    TableConstraint::ForeignKey(fk) => {
                        references.push(reference(fk.columns.iter().map(ident).collect(), fk))
                    }
                    TableConstraint::Unique(u) => indexes.push(Index {
                        name: u.name.as_ref().map(ident),
                        columns: u
                            .columns
                            .iter()
                            .map(|c| index_column_name(&c.column.expr))
                            .collect(),
                        unique: true,
                    }),
                    _ => {}
                }
            }
            ops.push(Op::Create {
                table: qname(&ct.name),
                columns,
                primary_key,
                references,
                indexes,
                line,
            });
        }
        Statement::CreateIndex(CreateIndex {
            name,
            table_name,
            columns,
            unique,
            ..
        }) => ops.push(Op::AddIndex(
            qname(table_name),
            Index {
                name: name.as_ref().map(|n| qname(n).name),
                columns: columns
                    .iter()
                    .map(|c| index_column_name(&c.column.expr))
                    .collect(),
                unique: *unique,
            },
        )),
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => ops.extend(names.iter().map(|n| Op::Drop(qname(n)))),
        Statement::AlterTable(at) => {
            let table = qname(&at.name);
            for op in &at.operations {
                alter_op(&table, op, ops);
            }
        }
        _ => {}
    }
}

fn alter_op(table: &QName, op: &AlterTableOperation, ops: &mut Vec<Op>) {
    let t = || table.clone();
    match op {
        AlterTableOperation::AddColumn {
            column_def,
            if_not_exists,
            ..
        } => {
            let (c, fk, unique) = column(column_def);
            ops.push(Op::AddColumn(t(), c, fk, *if_not_exists));
            if let Some(u) = unique {
                ops.push(Op::AddIndex(t(), u));
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            ops.extend(column_names.iter().map(|c| Op::DropColumn(t(), ident(c))))
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => ops.push(Op::RenameColumn(
            t(),
            ident(old_column_name),
            ident(new_column_name),
        )),
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
            ops.push(Op::RenameTable(t(), qname(n).name));
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let c = ident(column_name);
            match op {
                AlterColumnOperation::SetNotNull => ops.push(Op::SetNotNull(t(), c, true)),
                AlterColumnOperation::DropNotNull => ops.push(Op::SetNotNull(t(), c, false)),
                AlterColumnOperation::SetDefault { value } => {
                    ops.push(Op::SetDefault(t(), c, Some(value.to_string())))
                }
                AlterColumnOperation::DropDefault => ops.push(Op::SetDefault(t(), c, None)),
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    ops.push(Op::SetType(t(), c, type_text(data_type)))
                }
                AlterColumnOperation::AddGenerated { .. } => ops.push(Op::SetNotNull(t(), c, true)),
            }
        }
        AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
            TableConstraint::PrimaryKey(pk) => ops.push(Op::AddPrimaryKey(
                t(),
                pk.columns
                    .iter()
                    .map(|c| index_column_name(&c.column.expr))
                    .collect(),
            )),
            TableConstraint::ForeignKey(fk) => ops.push(Op::AddReference(
                t(),
                reference(fk.columns.iter().map(ident).collect(), fk),
            )),
            TableConstraint::Unique(u) => ops.push(Op::AddIndex(
                t(),
                Index {
                    name: u.name.as_ref().map(ident),
                    columns: u
                        .columns
                        .iter()
                        .map(|c| index_column_name(&c.column.expr))
                        .collect(),
                    unique: true,
                },
            )),
            _ => {}
        },
        _ => {}
    }
}

/// Applies the files' statements in the given (migration) order.
pub fn apply(files: &[(&str, &Vec<Op>)]) -> Vec<Table> {
    let mut tables: Vec<Option<Table>> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    // Foreign keys whose referenced column is the target's primary key, resolved at the end.
    let mut pending: Vec<(usize, String, QName)> = Vec::new();
    for (file, ops) in files {
        for op in ops.iter() {
            let find =
                |q: &QName, index: &HashMap<(String, String), usize>| index.get(&q.key()).copied();
            match op {
                Op::Create {
                    table,
                    columns,
                    primary_key,
                    references,
                    indexes,
                    line,
                } => {
                    if find(table, &index).is_some() {
                        // `CREATE TABLE IF NOT EXISTS` again, or a re-created table: the first
                        // definition stands unless it was dropped.
                        continue;
                    }
                    let mut t = Table::new(table.name.clone(), file, *line, "sql");
                    t.schema = table.schema.clone();
                    t.columns = columns.clone();
                    for c in &mut t.columns {
                        if primary_key.contains(&c.name) {
                            c.primary_key = true;
                            c.nullable = false;
                        }
                    }
                    t.indexes = indexes.clone();
                    let id = tables.len();
                    tables.push(Some(t));
                    index.insert(table.key(), id);
                    for r in references {
                        add_reference(&mut tables, id, r, &mut pending);
                    }
                }
                Op::Drop(q) => {
                    if let Some(id) = index.remove(&q.key()) {
                        tables[id] = None;
                    }
                }
                Op::RenameTable(q, new) => {
                    if let Some(id) = index.remove(&q.key()) {
                        if let Some(t) = tables[id].as_mut() {
                            t.name = new.clone();
                        }
                        let renamed = QName {
                            schema: q.schema.clone(),
                            name: new.clone(),
                        };
                        index.insert(renamed.key(), id);
                        for t in tables.iter_mut().flatten() {
                            for c in &mut t.columns {
                                if let Some(fk) = &mut c.foreign_key {
                                    if fk.table == q.name {
                                        fk.table = new.clone();
                                    }
                                }
                            }
                        }
                    }
                }
                Op::AddColumn(q, c, fk, if_not_exists) => {
                    let Some(id) = find(q, &index) else { continue };
                    let Some(t) = tables[id].as_mut() else {
                        continue;
                    };
                    if t.column(&c.name).is_some() {
                        if !*if_not_exists {
                            *t.column_mut(&c.name).expect("present") = c.clone();
                        }
                        continue;
                    }
                    t.columns.push(c.clone());
                    if let Some(r) = fk {
                        add_reference(&mut tables, id, r, &mut pending);
                    }
                }
                Op::DropColumn(q, name) => {
                    if let Some(t) = find(q, &index).and_then(|id| tables[id].as_mut()) {
                        t.columns.retain(|c| &c.name != name);
                        t.indexes.retain(|i| !i.columns.contains(name));
                    }
                }
                Op::RenameColumn(q, from, to) => {
                    if let Some(t) = find(q, &index).and_then(|id| tables[id].as_mut()) {
                        if let Some(c) = t.column_mut(from) {
                            c.name = to.clone();
                        }
                        for i in &mut t.indexes {
                            for c in &mut i.columns {
                                if c == from {
                                    *c = to.clone();
                                }
                            }
                        }
                    }
                    let table_name = q.name.clone();
                    for t in tables.iter_mut().flatten() {
                        for c in &mut t.columns {
                            if let Some(fk) = &mut c.foreign_key {
                                if fk.table == table_name && &fk.column == from {
                                    fk.column = to.clone();
                                }
                            }
                        }
                    }
                }
                Op::SetNotNull(q, name, not_null) => {
                    if let Some(c) = find(q, &index)
                        .and_then(|id| tables[id].as_mut())
                        .and_then(|t| t.column_mut(name))
                    {
                        c.nullable = !not_null;
                    }
                }
                Op::SetDefault(q, name, default) => {
                    if let Some(c) = find(q, &index)
                        .and_then(|id| tables[id].as_mut())
                        .and_then(|t| t.column_mut(name))
                    {
                        c.default = default.clone();
                    }
                }
                Op::SetType(q, name, ty) => {
                    if let Some(c) = find(q, &index)
                        .and_then(|id| tables[id].as_mut())
                        .and_then(|t| t.column_mut(name))
                    {
                        c.ty = ty.clone();
                    }
                }
                Op::AddPrimaryKey(q, columns) => {
                    if let Some(t) = find(q, &index).and_then(|id| tables[id].as_mut()) {
                        for c in &mut t.columns {
                            if columns.contains(&c.name) {
                                c.primary_key = true;
                                c.nullable = false;
                            }
                        }
                    }
                }
                Op::AddReference(q, r) => {
                    if let Some(id) = find(q, &index) {
                        add_reference(&mut tables, id, r, &mut pending);
                    }
                }
                Op::AddIndex(q, i) => {
                    if let Some(t) = find(q, &index).and_then(|id| tables[id].as_mut()) {
                        t.indexes.push(i.clone());
                    }
                }
            }
        }
    }
    for (id, column, target) in pending {
        let referred = index
            .get(&target.key())
            .and_then(|t| tables[*t].as_ref())
            .and_then(|t| t.columns.iter().find(|c| c.primary_key))
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "id".to_string());
        if let Some(c) = tables[id].as_mut().and_then(|t| t.column_mut(&column)) {
            if let Some(fk) = &mut c.foreign_key {
                if fk.column.is_empty() {
                    fk.column = referred;
                }
            }
        }
    }
    tables.into_iter().flatten().collect()
}

/// Marks each referencing column; a reference without columns points at the target's primary key.
fn add_reference(
    tables: &mut [Option<Table>],
    id: usize,
    r: &Reference,
    pending: &mut Vec<(usize, String, QName)>,
) {
    let Some(t) = tables[id].as_mut() else { return };
    for (i, name) in r.columns.iter().enumerate() {
        let referred = r.referred.get(i).cloned().unwrap_or_default();
        if referred.is_empty() {
            pending.push((id, name.clone(), r.table.clone()));
        }
        if let Some(c) = t.column_mut(name) {
            c.foreign_key = Some(ForeignKey {
                table: r.table.name.clone(),
                column: referred,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_statement_is_skipped_and_the_rest_applies() {
        let (ops, problems) = parse(
            "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY,, x);\nALTER TABLE a ADD COLUMN name text NOT NULL;\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        let tables = apply(&[("m.sql", &ops)]);
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].columns.len(), 2);
        assert!(!tables[0].columns[1].nullable);
    }
}
