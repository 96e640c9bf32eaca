//! The `/` filter: space-separated terms, all of which must match.
//!
//! `status=paused health<60 channel=email owner=ana pacing>1.2 ctr<0.01`;
//! `!=`, `<=`, `>=` work too. A plain word matches the campaign name or id
//! (case-insensitive substring). Values are case-insensitive.

use crate::domain::Campaign;

use super::CampaignRow;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown field {0:?} (try status, channel, health, owner, provider, pacing, ctr)")]
    UnknownField(String),
    #[error("{field} needs a number, got {value:?}")]
    NotANumber { field: String, value: String },
    #[error("{field} only supports = and !=")]
    BadOperator { field: String },
    #[error("{0:?} has an operator but no value")]
    Empty(String),
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
    Text {
        field: TextField,
        negate: bool,
        value: String,
    },
    Number {
        field: NumField,
        op: Op,
        value: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    Status,
    Channel,
    Owner,
    Provider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumField {
    Health,
    Pacing,
    Ctr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    terms: Vec<Term>,
}

impl Filter {
    /// `Ok(None)` for an empty query, which means "no filter".
    pub fn parse(query: &str) -> Result<Option<Filter>, FilterError> {
        let terms = query
            .split_whitespace()
            .map(parse_term)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((!terms.is_empty()).then_some(Filter { terms }))
    }

    pub fn matches(&self, c: &Campaign, row: &CampaignRow) -> bool {
        self.terms.iter().all(|t| term_matches(t, c, row))
    }
}

fn parse_term(raw: &str) -> Result<Term, FilterError> {
    // Longest operators first so "<=" is not read as "<" then "=value".
    const OPS: [(&str, Op); 6] = [
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    let found = OPS
        .iter()
        .filter_map(|(s, op)| raw.find(s).map(|at| (at, *s, *op)))
        .min_by_key(|(at, s, _)| (*at, std::cmp::Reverse(s.len())));
    let Some((at, sym, op)) = found else {
        return Ok(Term::Word(raw.to_lowercase()));
    };
    let field = raw[..at].to_lowercase();
    let value = raw[at + sym.len()..].to_lowercase();
    if value.is_empty() {
        return Err(FilterError::Empty(raw.to_string()));
    }
    let text = |f: TextField| match op {
        Op::Eq | Op::Ne => Ok(Term::Text {
            field: f,
            negate: op == Op::Ne,
            value: value.clone(),
        }),
        _ => Err(FilterError::BadOperator {
            field: field.clone(),
        }),
    };
    let num = |f: NumField| {
        let v = value.trim_end_matches('%');
        let mut n: f64 = v.parse().map_err(|_| FilterError::NotANumber {
            field: field.clone(),
            value: value.clone(),
        })?;
        // "ctr<1.5%" reads as a percentage; CTR is stored as a ratio.
        if f == NumField::Ctr && value.ends_with('%') {
            n /= 100.0;
        }
        Ok(Term::Number {
            field: f,
            op,
            value: n,
        })
    };
    match field.as_str() {
        "status" => text(TextField::Status),
        "channel" => text(TextField::Channel),
        "owner" => text(TextField::Owner),
        "provider" => text(TextField::Provider),
        "health" | "score" => num(NumField::Health),
        "pacing" => num(NumField::Pacing),
        "ctr" => num(NumField::Ctr),
        _ => Err(FilterError::UnknownField(field)),
    }
}

fn term_matches(term: &Term, c: &Campaign, row: &CampaignRow) -> bool {
    match term {
        Term::Word(w) => c.name.to_lowercase().contains(w) || c.id.to_lowercase().contains(w),
        Term::Text {
            field,
            negate,
            value,
        } => {
            let actual = match field {
                TextField::Status => c.status.as_str().to_string(),
                TextField::Channel => c.channel.as_str().to_string(),
                TextField::Owner => c.owner.to_lowercase(),
                TextField::Provider => c.provider.to_lowercase(),
            };
            (actual == *value) != *negate
        }
        Term::Number { field, op, value } => {
            let actual = match field {
                NumField::Health => row.score.map(f64::from),
                NumField::Pacing => row.pacing,
                NumField::Ctr => row.ctr,
            };
            // Unknown never matches a comparison: "health<60" must not list
            // campaigns nobody has scored yet.
            actual.is_some_and(|a| match op {
                Op::Eq => (a - value).abs() < 1e-9,
                Op::Ne => (a - value).abs() >= 1e-9,
                Op::Lt => a < *value,
                Op::Le => a <= *value,
                Op::Gt => a > *value,
                Op::Ge => a >= *value,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CampaignStatus, Channel};
    use chrono::{TimeZone, Utc};

    fn campaign(id: &str, name: &str, status: CampaignStatus, channel: Channel) -> Campaign {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        Campaign {
            id: id.into(),
            name: name.into(),
            channel,
            status,
            owner: "Ana".into(),
            budget: 100.0,
            spend: 10.0,
            start: t,
            end: t,
            skus: vec![],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: t,
        }
    }

    fn row(score: Option<u8>, pacing: Option<f64>, ctr: Option<f64>) -> CampaignRow {
        CampaignRow {
            idx: 0,
            score,
            pacing,
            ctr,
            alert: None,
            throttle: None,
        }
    }

    #[test]
    fn table() {
        let winter = campaign(
            "c-17",
            "Winter Sale",
            CampaignStatus::Paused,
            Channel::Email,
        );
        let r = row(Some(42), Some(1.3), Some(0.012));
        let unscored = row(None, None, None);
        let cases: &[(&str, &CampaignRow, bool)] = &[
            ("status=paused", &r, true),
            ("status=active", &r, false),
            ("status!=active", &r, true),
            ("STATUS=Paused", &r, true),
            ("channel=email status=paused", &r, true),
            ("channel=sms status=paused", &r, false),
            ("health<60", &r, true),
            ("health<=42", &r, true),
            ("health<42", &r, false),
            ("health>=42", &r, true),
            ("health<60", &unscored, false),
            ("pacing>1.2", &r, true),
            ("ctr<1.5%", &r, true),
            ("ctr<0.01", &r, false),
            ("owner=ana", &r, true),
            ("provider!=sendgrid", &r, false),
            ("winter", &r, true),
            ("C-17", &r, true),
            ("summer", &r, false),
            ("sale status=paused health<60 channel=email", &r, true),
        ];
        for (q, row, want) in cases {
            let f = Filter::parse(q).unwrap().unwrap();
            assert_eq!(f.matches(&winter, row), *want, "{q}");
        }
    }

    #[test]
    fn empty_query_is_no_filter() {
        assert_eq!(Filter::parse("   "), Ok(None));
    }

    #[test]
    fn errors() {
        assert_eq!(
            Filter::parse("colour=red"),
            Err(FilterError::UnknownField("colour".into()))
        );
        assert!(matches!(
            Filter::parse("health<lots"),
            Err(FilterError::NotANumber { .. })
        ));
        assert!(matches!(
            Filter::parse("status>paused"),
            Err(FilterError::BadOperator { .. })
        ));
        assert!(matches!(
            Filter::parse("health<"),
            Err(FilterError::Empty(_))
        ));
    }
}
