//! Event timestamps (contract §4.6): ISO 8601 strings or Unix seconds, put on
//! one time line so the most recent event can be found.

use std::cmp::Ordering;

/// An instant as Unix time: whole seconds and nanoseconds (0..1e9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    secs: i64,
    nanos: u32,
}

impl Instant {
    /// From Unix seconds (may be fractional). `None` when not finite or out of range.
    pub fn from_unix(secs: f64) -> Option<Self> {
        if !secs.is_finite() || secs.abs() > 1e15 {
            return None;
        }
        let whole = secs.floor();
        let nanos = ((secs - whole) * 1e9).round();
        let (whole, nanos) = if nanos >= 1e9 {
            (whole + 1.0, 0.0)
        } else {
            (whole, nanos)
        };
        Some(Self {
            secs: whole as i64,
            nanos: nanos as u32,
        })
    }
}

/// Parses a recorded timestamp: a JSON number (Unix seconds), a string of
/// digits (Unix seconds, as SQLite's TEXT affinity stores numbers) or an
/// ISO 8601 / RFC 3339 date-time (`T` or a space between date and time,
/// optional seconds and fraction, `Z` or `±HH[:MM]`; no offset means UTC;
/// a bare date means its midnight UTC).
pub fn parse_json(value: &serde_json::Value) -> Option<Instant> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().and_then(Instant::from_unix),
        serde_json::Value::String(s) => parse_str(s),
        _ => None,
    }
}

/// See [`parse_json`].
pub fn parse_str(text: &str) -> Option<Instant> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if is_number(s) {
        return s.parse::<f64>().ok().and_then(Instant::from_unix);
    }
    parse_iso8601(s)
}

fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut dots = 0;
    !body.is_empty()
        && body.chars().all(|c| {
            if c == '.' {
                dots += 1;
                true
            } else {
                c.is_ascii_digit()
            }
        })
        && dots <= 1
        && body != "."
}

/// A tiny cursor over ASCII text.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.i.checked_add(n)?;
        let part = self.b.get(self.i..end)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i = end;
        Some(part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn parse_iso8601(s: &str) -> Option<Instant> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0u32);
    let mut offset_secs: i64 = 0;
    if !c.done() {
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return None;
        }
        hour = c.digits(2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.digits(2)?;
        if c.eat(b':') {
            second = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                    c.i += 1;
                }
                let frac = &s[start..c.i];
                if frac.is_empty() {
                    return None;
                }
                let mut padded: String = frac.chars().take(9).collect();
                while padded.len() < 9 {
                    padded.push('0');
                }
                nanos = padded.parse().ok()?;
            }
        }
        // Leap seconds (60) are accepted and counted as the next second.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        match c.peek() {
            None => {}
            Some(b'Z' | b'z') => c.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c.digits(2)?;
                let om = if c.eat(b':') {
                    c.digits(2)?
                } else if c.done() {
                    0
                } else {
                    c.digits(2)?
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let off = i64::from(oh * 3600 + om * 60);
                offset_secs = if sign == b'+' { off } else { -off };
            }
            Some(_) => return None,
        }
        if !c.done() {
            return None;
        }
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(Instant { secs, nanos })
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Orders two optional instants: a missing or unreadable one is older than any other.
pub fn cmp_opt(a: Option<Instant>, b: Option<Instant>) -> Ordering {
    a.cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(s: &str) -> i64 {
        parse_str(s).unwrap().secs
    }

    #[test]
    fn iso_forms() {
        assert_eq!(unix("1970-01-01T00:00:00Z"), 0);
        assert_eq!(unix("2024-01-02T03:04:05+00:00"), 1_704_164_645);
        assert_eq!(unix("2024-01-02 03:04:05"), 1_704_164_645);
        assert_eq!(unix("2024-01-02T05:04:05+02:00"), 1_704_164_645);
        assert_eq!(unix("2024-01-02T01:04:05-0200"), 1_704_164_645);
        assert_eq!(unix("2024-01-02"), 1_704_153_600);
        assert_eq!(unix("2024-02-29T00:00Z"), 1_709_164_800);
        let a = parse_str("2024-01-02T03:04:05.5+00:00").unwrap();
        let b = parse_str("2024-01-02T03:04:05.123456+00:00").unwrap();
        assert!(a > b);
        assert_eq!(a.nanos, 500_000_000);
    }

    #[test]
    fn unix_forms() {
        assert_eq!(unix("1704164645"), 1_704_164_645);
        assert_eq!(
            parse_json(&serde_json::json!(1_704_164_645.25)),
            Some(Instant {
                secs: 1_704_164_645,
                nanos: 250_000_000
            })
        );
        assert_eq!(
            parse_json(&serde_json::json!(1_704_164_645)).unwrap(),
            parse_str("2024-01-02T03:04:05Z").unwrap()
        );
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "yesterday",
            "2024-13-01",
            "2023-02-29",
            "2024-01-02T25:00",
            "2024-01-02T03:04:05+0",
            "2024-01-02T03:04:05 UTC",
            "1.2.3",
            ".",
        ] {
            assert_eq!(parse_str(s), None, "{s}");
        }
        assert_eq!(parse_json(&serde_json::json!(true)), None);
    }

    #[test]
    fn missing_is_oldest() {
        assert_eq!(cmp_opt(None, Instant::from_unix(-1e9)), Ordering::Less);
    }
}
