//! The TUI's `/` filter language for lists other than campaigns (which use
//! `app::Filter` itself): space-separated terms that must all match;
//! `field=value`, `!=`, `<`, `<=`, `>`, `>=` on the row's JSON fields, and a
//! plain word matching any text field (case-insensitive substring).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowFilterError {
    #[error("unknown field {field:?} (try {known})")]
    UnknownField { field: String, known: String },
    #[error("{0:?} has an operator but no value")]
    Empty(String),
    #[error("{field} needs a number for {op}, got {value:?}")]
    NotANumber {
        field: String,
        op: &'static str,
        value: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Field {
        field: String,
        op: Op,
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowFilter {
    terms: Vec<Term>,
}

impl RowFilter {
    /// `known` lists the fields rows have, for checking and error messages.
    pub fn parse(query: &str, known: &[&str]) -> Result<Option<RowFilter>, RowFilterError> {
        const OPS: [(&str, Op); 6] = [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let mut terms = Vec::new();
        for raw in query.split_whitespace() {
            let found = OPS
                .iter()
                .filter_map(|(s, op)| raw.find(s).map(|at| (at, *s, *op)))
                .min_by_key(|(at, s, _)| (*at, std::cmp::Reverse(s.len())));
            let Some((at, sym, op)) = found else {
                terms.push(Term::Word(raw.to_lowercase()));
                continue;
            };
            let field = raw[..at].to_lowercase();
            let value = raw[at + sym.len()..].to_lowercase();
            if value.is_empty() {
                return Err(RowFilterError::Empty(raw.to_string()));
            }
            if !known.contains(&field.as_str()) {
                return Err(RowFilterError::UnknownField {
                    field,
                    known: known.join(", "),
                });
            }
            if !matches!(op, Op::Eq | Op::Ne) && value.parse::<f64>().is_err() {
                return Err(RowFilterError::NotANumber {
                    field,
                    op: sym,
                    value,
                });
            }
            terms.push(Term::Field { field, op, value });
        }
        Ok((!terms.is_empty()).then_some(RowFilter { terms }))
    }

    pub fn matches(&self, row: &Value) -> bool {
        self.terms.iter().all(|t| term_matches(t, row))
    }
}

fn term_matches(term: &Term, row: &Value) -> bool {
    match term {
        Term::Word(w) => row
            .as_object()
            .is_some_and(|o| o.values().any(|v| text_contains(v, w))),
        Term::Field { field, op, value } => {
            let actual = row.get(field).unwrap_or(&Value::Null);
            match op {
                Op::Eq => equals(actual, value),
                Op::Ne => !equals(actual, value),
                _ => {
                    let (Some(a), Ok(v)) = (actual.as_f64(), value.parse::<f64>()) else {
                        // Unknown never matches a comparison.
                        return false;
                    };
                    match op {
                        Op::Lt => a < v,
                        Op::Le => a <= v,
                        Op::Gt => a > v,
                        _ => a >= v,
                    }
                }
            }
        }
    }
}

fn text_contains(v: &Value, w: &str) -> bool {
    match v {
        Value::String(s) => s.to_lowercase().contains(w),
        Value::Array(items) => items.iter().any(|i| text_contains(i, w)),
        _ => false,
    }
}

fn equals(actual: &Value, want: &str) -> bool {
    match actual {
        Value::String(s) => s.to_lowercase() == want,
        Value::Number(n) => want
            .parse::<f64>()
            .ok()
            .zip(n.as_f64())
            .is_some_and(|(w, a)| (a - w).abs() < 1e-9),
        Value::Bool(b) => b.to_string() == want,
        Value::Null => want == "-" || want == "none" || want == "null",
        Value::Array(items) => items.iter().any(|i| equals(i, want)),
        Value::Object(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KNOWN: &[&str] = &["severity", "state", "score", "campaign_id", "tags"];

    #[test]
    fn table() {
        let row = json!({"severity": "critical", "state": "firing", "score": 7.5,
                         "campaign_id": "cmp-0003", "tags": ["a", "b"], "summary": "CTR collapsed"});
        let cases = [
            ("severity=critical", true),
            ("SEVERITY=Critical state!=resolved", true),
            ("score>7", true),
            ("score<=7", false),
            ("campaign_id=cmp-0003 ctr", true),
            ("collapsed", true),
            ("cmp-0009", false),
            ("tags=b", true),
        ];
        for (q, want) in cases {
            let f = RowFilter::parse(q, KNOWN).unwrap().unwrap();
            assert_eq!(f.matches(&row), want, "{q}");
        }
        let unscored = json!({"score": null});
        let f = RowFilter::parse("score<5", KNOWN).unwrap().unwrap();
        assert!(!f.matches(&unscored));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            RowFilter::parse("colour=red", KNOWN),
            Err(RowFilterError::UnknownField { .. })
        ));
        assert!(matches!(
            RowFilter::parse("score<lots", KNOWN),
            Err(RowFilterError::NotANumber { .. })
        ));
        assert_eq!(RowFilter::parse(" ", KNOWN), Ok(None));
    }
}
