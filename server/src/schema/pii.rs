//! Personal data in columns: which columns hold it, what kind, and how sensitive it is, read from
//! the column's name and type, then corrected by the project's `[pii]` overrides.
//!
//! A name is split into words (`passwordHash`, `password_hash` → `password`, `hash`); a column
//! whose type cannot hold the kind (a `boolean` `email_verified`, a `timestamptz`
//! `phone_confirmed_at`) or whose last word makes it metadata (`address_id`, `email_status`)
//! holds none.

use serde::{Deserialize, Serialize};

use super::{Column, Table};
use crate::workspace::config::PiiConfig;

/// How much harm a leak of the column does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// What personal data a column holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Pii {
    /// `email`, `phone`, `address`, `name`, `birth_date`, `national_id`, `password`, `token`,
    /// `payment`, `location`, `ip_address`, or a kind the config names.
    pub kind: String,
    pub level: Level,
}

/// What a column's type can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Text,
    Number,
    Time,
    Bool,
    Geo,
    Net,
}

fn family(ty: &str) -> Family {
    let t = ty.trim().to_ascii_lowercase();
    let base = t.split(['(', '[', ' ']).next().unwrap_or("");
    match base {
        "bool" | "boolean" => Family::Bool,
        "date" | "time" | "timetz" | "timestamp" | "timestamptz" | "interval" | "datetime" => {
            Family::Time
        }
        "int" | "int2" | "int4" | "int8" | "integer" | "smallint" | "bigint" | "serial"
        | "bigserial" | "smallserial" | "numeric" | "decimal" | "real" | "float" | "float4"
        | "float8" | "double" | "tinyint" | "mediumint" => Family::Number,
        "point" | "geography" | "geometry" => Family::Geo,
        "inet" | "cidr" => Family::Net,
        _ => Family::Text,
    }
}

/// Last words that make a column describe personal data rather than hold it.
const METADATA: [&str; 18] = [
    "id",
    "ids",
    "at",
    "on",
    "count",
    "type",
    "kind",
    "status",
    "verified",
    "confirmed",
    "enabled",
    "template",
    "sent",
    "provider",
    "preference",
    "preferences",
    "flag",
    "format",
];

/// Tables whose bare `name` column is a person's name.
const PERSON_TABLES: [&str; 15] = [
    "user", "customer", "driver", "person", "people", "contact", "profile", "member", "employee",
    "account", "patient", "owner", "guest", "client", "staff",
];

struct Rule {
    kind: &'static str,
    level: Level,
    /// Type families that can hold it.
    families: &'static [Family],
    /// Whether it holds for a column of these words (lower case, in order) in this table.
    holds: fn(&[String], &str, &str) -> bool,
}

const TEXT: &[Family] = &[Family::Text];

/// Most specific first: the first rule that holds names the kind.
const RULES: &[Rule] = &[
    Rule {
        kind: "token",
        level: Level::High,
        families: TEXT,
        holds: |words, joined, _| {
            has(words, &["token", "otp", "secret", "apikey"]) || joined.contains("apikey")
        },
    },
    Rule {
        kind: "password",
        level: Level::High,
        families: TEXT,
        holds: |words, joined, _| {
            has(words, &["passwd", "pwd", "passcode", "passphrase"]) || joined.contains("password")
        },
    },
    Rule {
        kind: "national_id",
        level: Level::High,
        families: &[Family::Text, Family::Number],
        holds: |words, joined, _| {
            has(words, &["ssn", "passport"])
                || [
                    "socialsecurity",
                    "nationalid",
                    "nationalidentity",
                    "taxid",
                    "taxnumber",
                    "driverlicense",
                    "driverslicense",
                    "driverlicence",
                    "driverslicence",
                    "personalnumber",
                    "identitynumber",
                    "idcardnumber",
                ]
                .iter()
                .any(|k| joined.contains(k))
        },
    },
    Rule {
        kind: "payment",
        level: Level::High,
        families: &[Family::Text, Family::Number],
        holds: |words, joined, _| {
            has(words, &["iban", "cvv", "cvc"])
                || [
                    "cardnumber",
                    "creditcard",
                    "debitcard",
                    "cardlast4",
                    "cardexpiry",
                    "cardholder",
                    "bankaccount",
                    "accountnumber",
                    "routingnumber",
                    "sortcode",
                ]
                .iter()
                .any(|k| joined.contains(k))
        },
    },
    Rule {
        kind: "email",
        level: Level::Medium,
        families: TEXT,
        holds: |_, joined, _| joined.contains("email"),
    },
    Rule {
        kind: "ip_address",
        level: Level::Low,
        families: &[Family::Text, Family::Net],
        holds: |words, joined, _| has(words, &["ip"]) || joined.contains("ipaddress"),
    },
    Rule {
        kind: "phone",
        level: Level::Medium,
        families: TEXT,
        holds: |words, joined, _| {
            has(words, &["mobile", "msisdn", "tel"]) || joined.contains("phone")
        },
    },
    Rule {
        kind: "address",
        level: Level::Medium,
        families: TEXT,
        holds: |words, joined, _| {
            has(words, &["street", "postcode", "zip", "zipcode", "postal"])
                || ["address", "postalcode"].iter().any(|k| joined.contains(k))
        },
    },
    Rule {
        kind: "birth_date",
        level: Level::Medium,
        families: &[Family::Text, Family::Time],
        holds: |words, joined, _| has(words, &["dob"]) || joined.contains("birth"),
    },
    Rule {
        kind: "name",
        level: Level::Low,
        families: TEXT,
        holds: |_, joined, table| {
            [
                "fullname",
                "firstname",
                "lastname",
                "surname",
                "givenname",
                "familyname",
                "middlename",
                "maidenname",
                "legalname",
                "displayname",
                "contactname",
            ]
            .contains(&joined)
                || (joined == "name" && is_person_table(table))
        },
    },
    Rule {
        kind: "location",
        level: Level::Low,
        families: &[Family::Text, Family::Number, Family::Geo],
        holds: |words, _, _| {
            has(
                words,
                &[
                    "lat",
                    "lng",
                    "lon",
                    "latitude",
                    "longitude",
                    "geo",
                    "geolocation",
                    "coordinates",
                    "coords",
                    "location",
                ],
            )
        },
    },
];

fn has(words: &[String], any: &[&str]) -> bool {
    words.iter().any(|w| any.contains(&w.as_str()))
}

fn is_person_table(table: &str) -> bool {
    let bare = table
        .rsplit('.')
        .next()
        .unwrap_or(table)
        .to_ascii_lowercase();
    let words = words_of(&bare);
    let Some(last) = words.last() else {
        return false;
    };
    let singular = last
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| last.strip_suffix('s').map(str::to_string))
        .unwrap_or_else(|| last.clone());
    PERSON_TABLES.contains(&singular.as_str()) || PERSON_TABLES.contains(&last.as_str())
}

/// `passwordHash`, `password_hash`, `password-hash` → `password`, `hash`.
fn words_of(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The personal data a column of `table` holds by its name and type alone.
pub fn classify(table: &str, column: &Column) -> Option<Pii> {
    let words = words_of(&column.name);
    let joined: String = words.concat();
    let family = family(&column.ty);
    let metadata = words.last().is_some_and(|w| METADATA.contains(&w.as_str()));
    let rule = RULES.iter().find(|r| (r.holds)(&words, &joined, table))?;
    // `tax_id` is an id that is the data; `address_id` points at it.
    let is_an_id = matches!(rule.kind, "national_id" | "payment");
    if (metadata && !is_an_id) || !rule.families.contains(&family) {
        return None;
    }
    Some(Pii {
        kind: rule.kind.to_string(),
        level: rule.level,
    })
}

/// Whether a `[pii]` entry (`table.column` or `column`) names this column.
fn names(entry: &str, table: &Table, column: &str) -> bool {
    match entry.rsplit_once('.') {
        Some((t, c)) => {
            c.eq_ignore_ascii_case(column)
                && (t.eq_ignore_ascii_case(&table.name)
                    || t.eq_ignore_ascii_case(&table.qualified_name()))
        }
        None => entry.eq_ignore_ascii_case(column),
    }
}

/// Classifies every column of `tables`, the config's entries overriding the names.
pub fn apply(tables: &mut [Table], config: &PiiConfig) {
    for table in tables.iter_mut() {
        let found: Vec<Option<Pii>> = table
            .columns
            .iter()
            .map(|column| {
                if config.ignore.iter().any(|e| names(e, table, &column.name)) {
                    return None;
                }
                match config
                    .columns
                    .iter()
                    .find(|e| names(&e.column, table, &column.name))
                {
                    Some(entry) => Some(Pii {
                        kind: entry.kind.clone(),
                        level: entry.level,
                    }),
                    None => classify(&table.name, column),
                }
            })
            .collect();
        for (column, pii) in table.columns.iter_mut().zip(found) {
            column.pii = pii;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::config::PiiColumnConfig;

    fn kind(table: &str, name: &str, ty: &str) -> Option<(String, &'static str)> {
        classify(table, &Column::new(name, ty)).map(|p| (p.kind, p.level.as_str()))
    }

    fn is(table: &str, name: &str, ty: &str, want: &str, level: &str) {
        assert_eq!(
            kind(table, name, ty),
            Some((want.to_string(), level_str(level))),
            "{table}.{name} {ty}"
        );
    }

    fn level_str(level: &str) -> &'static str {
        match level {
            "high" => "high",
            "medium" => "medium",
            _ => "low",
        }
    }

    #[test]
    fn names_and_types_say_what_a_column_holds() {
        is("users", "email", "text", "email", "medium");
        is("users", "emailAddress", "varchar(255)", "email", "medium");
        is("users", "password_hash", "text", "password", "high");
        is("users", "passwordDigest", "?", "password", "high");
        is("refresh_tokens", "token_hash", "text", "token", "high");
        is("users", "phone", "text", "phone", "medium");
        is("users", "mobile_number", "text", "phone", "medium");
        is("users", "full_name", "text", "name", "low");
        is("customers", "name", "text", "name", "low");
        is("users", "date_of_birth", "date", "birth_date", "medium");
        is("users", "ssn", "char(11)", "national_id", "high");
        is("users", "tax_id", "text", "national_id", "high");
        is("payouts", "iban", "text", "payment", "high");
        is("cards", "card_number", "text", "payment", "high");
        is("orders", "shipping_address", "jsonb", "address", "medium");
        is("garages", "postcode", "text", "address", "medium");
        is("drivers", "last_lat", "double precision", "location", "low");
        is("garages", "lng", "numeric(9,6)", "location", "low");
        is("sessions", "ip_address", "inet", "ip_address", "low");
        is("audit_log", "ip", "text", "ip_address", "low");
    }

    #[test]
    fn metadata_about_personal_data_is_not_personal_data() {
        assert_eq!(kind("users", "email_verified_at", "timestamptz"), None);
        assert_eq!(kind("users", "email_verified", "boolean"), None);
        assert_eq!(kind("orders", "address_id", "uuid"), None);
        assert_eq!(kind("notifications", "email_template", "text"), None);
        assert_eq!(kind("parts", "name", "text"), None);
        assert_eq!(kind("users", "phone_count", "integer"), None);
        assert_eq!(kind("orders", "stripe_payment_intent_id", "text"), None);
        assert_eq!(kind("orders", "status", "text"), None);
    }

    #[test]
    fn the_config_adds_ignores_and_relevels() {
        let mut tables = vec![Table::new("vehicles", "m.sql", 1, "sql")];
        for (name, ty) in [("vin", "text"), ("owner_phone", "text"), ("email", "text")] {
            tables[0].columns.push(Column::new(name, ty));
        }
        let config = PiiConfig {
            ignore: vec!["vehicles.owner_phone".into()],
            columns: vec![
                PiiColumnConfig {
                    column: "vin".into(),
                    kind: "vehicle_id".into(),
                    level: Level::Medium,
                },
                PiiColumnConfig {
                    column: "VEHICLES.EMAIL".into(),
                    kind: "email".into(),
                    level: Level::High,
                },
            ],
        };
        apply(&mut tables, &config);
        let got: Vec<Option<(String, Level)>> = tables[0]
            .columns
            .iter()
            .map(|c| c.pii.clone().map(|p| (p.kind, p.level)))
            .collect();
        assert_eq!(
            got,
            vec![
                Some(("vehicle_id".into(), Level::Medium)),
                None,
                Some(("email".into(), Level::High)),
            ]
        );
    }
}
