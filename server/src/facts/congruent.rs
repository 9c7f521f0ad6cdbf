//! Whether two readings of one file say the same thing in other places: equal except for spans
//! and doc comments. Most keystrokes (typing in a comment, a doc, a string nobody reads as a
//! name, the whitespace of a body) leave a file's facts congruent; an inventory built from the
//! old facts is then right once its spans in that file are moved and its docs re-read, and no
//! resolution is needed.
//!
//! The walk pairs each old span with the new span in the same place of the facts. The pairing is
//! accepted only when it is a plain shift around one edited region and keeps every line: then
//! every comparison resolution makes between spans (order, containment, equality) comes out the
//! same on the new spans, so re-resolving could not give a different answer.

use std::collections::HashMap;

use super::*;

/// Where each span of the old facts is in the new facts.
#[derive(Debug, Default)]
pub struct SpanMoves {
    moved: HashMap<Span, Span>,
}

impl SpanMoves {
    /// The new place of an old span; `None` when the old facts had no such span.
    pub fn get(&self, old: Span) -> Option<Span> {
        self.moved.get(&old).copied()
    }
}

/// The moves from `old` to `new` when the two are congruent and the pairing is a shift that
/// keeps lines, order and equalities; `None` otherwise (the caller resolves afresh).
pub fn congruent(old: &FileFacts, new: &FileFacts) -> Option<SpanMoves> {
    let mut pairs = Vec::new();
    if !old.congruent(new, &mut pairs) {
        return None;
    }
    shift_of(&pairs)?;
    let mut moved = HashMap::with_capacity(pairs.len());
    for (a, b) in pairs {
        if *moved.entry(a).or_insert(b) != b {
            return None;
        }
    }
    Some(SpanMoves { moved })
}

/// Checks that every endpoint either stayed or moved by one distance, that no line changed, and
/// that the endpoints which stayed all lie before those which moved, in the old text and in the
/// new: then the map preserves every `<`, `<=` and `==` between endpoints.
fn shift_of(pairs: &[(Span, Span)]) -> Option<i64> {
    let mut shift: Option<i64> = None;
    let (mut stayed_max, mut moved_min_old, mut moved_min_new) = (None::<u32>, None::<u32>, None);
    for (a, b) in pairs {
        if a.line != b.line {
            return None;
        }
        for (x, y) in [(a.start, b.start), (a.end, b.end)] {
            let d = i64::from(y) - i64::from(x);
            if d == 0 {
                stayed_max = stayed_max.max(Some(x));
                continue;
            }
            if *shift.get_or_insert(d) != d {
                return None;
            }
            moved_min_old = Some(moved_min_old.map_or(x, |m: u32| m.min(x)));
            moved_min_new = Some(moved_min_new.map_or(y, |m: u32| m.min(y)));
        }
    }
    if let (Some(stayed), Some(old), Some(new)) = (stayed_max, moved_min_old, moved_min_new) {
        if stayed >= old || stayed >= new {
            return None;
        }
    }
    Some(shift.unwrap_or(0))
}

/// Structural equality that records span pairs instead of comparing them.
trait Congruent {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool;
}

impl Congruent for Span {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        pairs.push((*self, *other));
        true
    }
}

/// Types without spans compare as they are.
macro_rules! congruent_by_eq {
    ($($ty:ty),* $(,)?) => {$(
        impl Congruent for $ty {
            fn congruent(&self, other: &Self, _: &mut Vec<(Span, Span)>) -> bool {
                self == other
            }
        }
    )*};
}

congruent_by_eq!(
    String,
    bool,
    f64,
    u32,
    usize,
    BinOp,
    FunctionKind,
    ImportKind
);

impl<T: Congruent> Congruent for Option<T> {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.congruent(b, pairs),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<T: Congruent> Congruent for Vec<T> {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.congruent(b, pairs))
    }
}

impl<T: Congruent> Congruent for Box<T> {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        self.as_ref().congruent(other.as_ref(), pairs)
    }
}

impl<A: Congruent, B: Congruent> Congruent for (A, B) {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        self.0.congruent(&other.0, pairs) && self.1.congruent(&other.1, pairs)
    }
}

/// Structs compare field by field. Every field is named (the destructuring has no `..`), so a
/// field added later does not compile until it is listed here; `ignoring` lists the fields that
/// may differ (doc comments, which the inventory re-reads, and caches).
macro_rules! congruent_structs {
    ($($ty:ident { $($field:ident),* $(,)? } $(ignoring { $($skip:ident),* })?;)*) => {$(
        impl Congruent for $ty {
            fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
                let $ty { $($field,)* $($($skip: _,)*)? } = self;
                true $(&& $field.congruent(&other.$field, pairs))*
            }
        }
    )*};
}

congruent_structs! {
    FileFacts {
        imports, exports, bindings, functions, classes, calls, assignments, loops,
        type_aliases, env_reads, syntax_error
    } ignoring { names };
    Call { callee, args, span, name_span };
    Import { local, module, kind, span };
    Export { name, target };
    Binding { name, scope, init, span, ty };
    Param { pattern, ty, decorators, is_property };
    Decorator { expr, span };
    Function {
        name, kind, parent, class, params, returns, expression_body, switches, span, name_span
    } ignoring { doc };
    Field { name, from_param, init, ty, decorators, is_static, span };
    Method { name, function, is_static, is_getter, decorators, span };
    Class {
        name, extends, implements, scope, decorators, fields, methods, span, name_span
    } ignoring { doc };
    CallSite { expr, scope, in_loop } ignoring { doc };
    Assignment { target, value, scope };
    Loop { pattern, iterable, scope, parent };
    EnvRead { name, span, scope, default, validator };
}

impl Congruent for Expr {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        use Expr::*;
        match (self, other) {
            (Str(a, s), Str(b, t))
            | (Regex(a, s), Regex(b, t))
            | (Ident(a, s), Ident(b, t))
            | (Unknown(a, s), Unknown(b, t)) => a == b && s.congruent(t, pairs),
            (Num(a), Num(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Nullish, Nullish) | (This, This) | (Super, Super) => true,
            (Template(a, s), Template(b, t)) => a.congruent(b, pairs) && s.congruent(t, pairs),
            (Binary(o, a1, a2), Binary(p, b1, b2)) => {
                o == p && a1.congruent(b1, pairs) && a2.congruent(b2, pairs)
            }
            (Member(a, n, s), Member(b, k, t)) => {
                n == k && a.congruent(b, pairs) && s.congruent(t, pairs)
            }
            (Index(a1, a2), Index(b1, b2)) => a1.congruent(b1, pairs) && a2.congruent(b2, pairs),
            (Call(a), Call(b)) | (New(a), New(b)) => a.congruent(b, pairs),
            (Object(a, s), Object(b, t)) => a.congruent(b, pairs) && s.congruent(t, pairs),
            (Array(a), Array(b)) => a.congruent(b, pairs),
            (Spread(a), Spread(b)) => a.congruent(b, pairs),
            (Function(a), Function(b)) | (Class(a), Class(b)) => a == b,
            _ => false,
        }
    }
}

impl Congruent for TemplatePart {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        match (self, other) {
            (TemplatePart::Lit(a), TemplatePart::Lit(b)) => a == b,
            (TemplatePart::Expr(a), TemplatePart::Expr(b)) => a.congruent(b, pairs),
            _ => false,
        }
    }
}

impl Congruent for Prop {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        match (self, other) {
            (Prop::KeyValue(a, x), Prop::KeyValue(b, y)) => a == b && x.congruent(y, pairs),
            (Prop::Spread(x), Prop::Spread(y)) => x.congruent(y, pairs),
            _ => false,
        }
    }
}

impl Congruent for ExportTarget {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        match (self, other) {
            (ExportTarget::Expr(a), ExportTarget::Expr(b)) => a.congruent(b, pairs),
            (a, b) => a == b,
        }
    }
}

impl Congruent for BindingInit {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        match (self, other) {
            (BindingInit::Expr(a), BindingInit::Expr(b)) => a.congruent(b, pairs),
            (BindingInit::Enum(a), BindingInit::Enum(b)) => a.congruent(b, pairs),
            (a, b) => a == b,
        }
    }
}

impl Congruent for Pattern {
    fn congruent(&self, other: &Self, pairs: &mut Vec<(Span, Span)>) -> bool {
        use Pattern::*;
        match (self, other) {
            (Ident(a, s), Ident(b, t)) => a == b && s.congruent(t, pairs),
            (Object(a), Object(b)) => a.congruent(b, pairs),
            (Array(a), Array(b)) => a.congruent(b, pairs),
            (Rest(a), Rest(b)) => a.congruent(b, pairs),
            (Default(a, x), Default(b, y)) => a.congruent(b, pairs) && x.congruent(y, pairs),
            (Unknown, Unknown) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::extract_text;

    fn facts(text: &str) -> FileFacts {
        extract_text("src/routes.ts", text).expect("parses")
    }

    /// The old text with `$0` removed, and the new text with `$0` replaced by `typed`.
    fn edit(marked: &str, typed: &str) -> (FileFacts, FileFacts) {
        (
            facts(&marked.replace("$0", "")),
            facts(&marked.replace("$0", typed)),
        )
    }

    const ROUTES: &str = "import { Router } from 'express';
const router = Router();
/** Lists orders.$D */
router.get('/orders', (req, res) => { res.json([]);$B });
router.post('/orders$S', create);
export default router;
";

    fn at(marker: &str) -> String {
        ["$D", "$B", "$S"].iter().fold(ROUTES.to_string(), |t, m| {
            t.replace(m, if *m == marker { "$0" } else { "" })
        })
    }

    #[test]
    fn typing_in_a_doc_comment_moves_what_follows() {
        let (old, new) = edit(&at("$D"), " Newest first.");
        let moves = congruent(&old, &new).expect("congruent");
        let post = |f: &FileFacts| f.calls.last().and_then(|c| c.expr.span()).expect("a call");
        assert_eq!(moves.get(post(&old)), Some(post(&new)));
        assert_eq!(post(&new).start, post(&old).start + 14);
        assert_eq!(post(&new).line, post(&old).line);
        let first_import = old.imports[0].span;
        assert_eq!(moves.get(first_import), Some(first_import));
    }

    #[test]
    fn typing_in_a_body_moves_the_enclosing_spans_ends() {
        let (old, new) = edit(&at("$B"), " ");
        let moves = congruent(&old, &new).expect("congruent");
        let handler = |f: &FileFacts| f.functions[0].span;
        assert_eq!(
            moves.get(handler(&old)).map(|s| s.end),
            Some(handler(&old).end + 1)
        );
    }

    #[test]
    fn changing_a_path_is_not_congruent() {
        let (old, new) = edit(&at("$S"), "/:id");
        assert!(congruent(&old, &new).is_none());
    }

    #[test]
    fn a_new_line_is_not_congruent() {
        let (old, new) = edit(&at("$B"), "\n");
        assert!(congruent(&old, &new).is_none());
    }

    #[test]
    fn closing_the_gap_between_two_spans_is_not_congruent() {
        // Deleting the space makes the call start where the function ends.
        let old = facts("function f() {} g();\n");
        let new = facts("function f() {}g();\n");
        assert_eq!(old.calls.len(), new.calls.len());
        assert!(congruent(&old, &new).is_none());
    }
}
