//! iCalendar (RFC 5545) output of the agenda: CRLF line endings, lines folded at 75 octets,
//! TEXT values escaped, times in UTC.

use chrono::NaiveDateTime;

pub struct IcsEvent {
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub categories: String,
    pub url: String,
    /// UTC.
    pub starts_at: NaiveDateTime,
    /// UTC; none: the event ends when it starts (RFC 5545 §3.6.1, DTEND left out).
    pub ends_at: Option<NaiveDateTime>,
    /// UTC: last change.
    pub updated_at: NaiveDateTime,
}

/// Escapes a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (continuations start with one space), never inside a
/// UTF-8 character, and ends every physical line with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

fn utc(at: &NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar.
pub fn calendar(name: &str, events: &[IcsEvent], now: NaiveDateTime) -> String {
    let mut out = String::new();
    let mut line = |l: String| out.push_str(&fold(&l));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Passerelle//Agenda//FR".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    line("X-WR-TIMEZONE:Europe/Paris".into());
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{}", utc(&now)));
        line(format!("LAST-MODIFIED:{}", utc(&e.updated_at)));
        line(format!("DTSTART:{}", utc(&e.starts_at)));
        if let Some(end) = &e.ends_at {
            line(format!("DTEND:{}", utc(end)));
        }
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if !e.categories.is_empty() {
            line(format!("CATEGORIES:{}", escape(&e.categories)));
        }
        line(format!("URL:{}", e.url));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(escape("x\r\ny"), "x\\ny");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&long);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }
}
