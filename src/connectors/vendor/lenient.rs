//! Deserialisers for the loose typing real vendor APIs use: ids that are
//! numbers or strings, booleans as `1`/`"0"`, lists that arrive as arrays,
//! objects keyed by id, or PHP's empty `[]`/`{}`, and several date formats.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

/// A number or a string, kept as its string form (`3` and `"3"` are equal).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!("expected an id, got {other}"))),
    }
}

/// `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`; `null` is false.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64().is_some_and(|v| v != 0.0),
        Value::String(s) => matches!(s.trim(), "1" | "true" | "yes"),
        Value::Null => false,
        other => return Err(D::Error::custom(format!("expected a flag, got {other}"))),
    })
}

/// A number that may arrive as a string (`"1500.00"`); `null` or absent is 0.
pub fn num<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(as_num(&Value::deserialize(d)?).unwrap_or(0.0))
}

pub fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A list sent as an array, as an object keyed by id (order by numeric key
/// where keys are numbers), or as `{}`/`[]`/`null` when empty.
pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    let items: Vec<Value> = match Value::deserialize(d)? {
        Value::Array(a) => a,
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(
                |(a, _), (b, _)| match (a.parse::<u64>(), b.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => a.cmp(b),
                },
            );
            pairs.into_iter().map(|(_, v)| v).collect()
        }
        Value::Null => Vec::new(),
        other => return Err(D::Error::custom(format!("expected a list, got {other}"))),
    };
    items
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
        .collect()
}

/// RFC 3339 with any offset, or a naive `YYYY-MM-DD HH:MM:SS[.ffffff]` taken as UTC
/// (Mautic stats rows, Frappe `modified`), or a bare date.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// An optional timestamp in any format `parse_time` knows; unparseable is `None`.
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => parse_time(&s),
        Value::Number(n) => n.as_i64().and_then(DateTime::<Utc>::from_timestamp_millis),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "id")]
        id: String,
        #[serde(default, deserialize_with = "flag")]
        on: bool,
    }

    #[derive(Deserialize)]
    struct Wrap {
        #[serde(default, deserialize_with = "list")]
        rows: Vec<Row>,
    }

    fn ids(json: &str) -> Vec<String> {
        let w: Wrap = serde_json::from_str(json).unwrap();
        w.rows.into_iter().map(|r| r.id).collect()
    }

    #[test]
    fn lists_come_in_every_shape() {
        assert_eq!(ids(r#"{"rows":[{"id":1},{"id":"b"}]}"#), ["1", "b"]);
        assert_eq!(
            ids(r#"{"rows":{"10":{"id":10},"3":{"id":3}}}"#),
            ["3", "10"]
        );
        assert!(ids(r#"{"rows":{}}"#).is_empty());
        assert!(ids(r#"{"rows":[]}"#).is_empty());
        assert!(ids(r#"{}"#).is_empty());
    }

    #[test]
    fn flags_and_times_are_lenient() {
        let w: Wrap =
            serde_json::from_str(r#"{"rows":[{"id":1,"on":"1"},{"id":2,"on":0}]}"#).unwrap();
        assert!(w.rows[0].on && !w.rows[1].on);
        let t = parse_time("2015-07-15T15:06:02-05:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2015-07-15T20:06:02+00:00");
        assert_eq!(
            parse_time("2017-01-25 15:11:10").unwrap().to_rfc3339(),
            "2017-01-25T15:11:10+00:00"
        );
        assert!(parse_time("2024-01-02 03:04:05.123456").is_some());
        assert!(parse_time("soon").is_none());
    }
}
