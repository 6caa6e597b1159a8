//! Bounds on what import reports say. A partner's file can hold a million columns or a
//! cell of megabytes: a refusal, a rejected row's reasons and the mail that tells about them
//! stay short enough to be read (the first problems, then how many more), and any value they
//! quote is cut.

use std::borrow::Cow;

use crate::web::french::plural;

/// Most problems listed in one refusal or for one row (or training); the others are counted.
pub const MAX_PROBLEMS: usize = 20;

/// Most characters of a value (column name, cell, element name) quoted in a message.
pub const MAX_QUOTED_CHARS: usize = 100;

/// Most characters of a rejected cell kept in a report (its `value` column).
pub const MAX_CELL_CHARS: usize = 200;

/// Most characters of a whole refusal message, whatever it is made of: the last guard, the
/// parts above keep real messages far below it.
pub const MAX_MESSAGE_CHARS: usize = 3_000;

/// `value` cut after `max` characters, with « … » when something was left out.
pub fn cut(value: &str, max: usize) -> Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => Cow::Borrowed(value),
        Some((at, _)) => Cow::Owned(format!("{}…", &value[..at])),
    }
}

/// `value` between French quotes, cut after [`MAX_QUOTED_CHARS`] characters:
/// `« Libellé »`.
pub fn quote(value: &str) -> String {
    format!("« {} »", cut(value, MAX_QUOTED_CHARS))
}

/// The first [`MAX_PROBLEMS`] items, each as `show` writes it, joined with `, `, then
/// « … et 12 autres colonnes » (`other` and `others`, singular and plural, name what was left
/// out).
pub fn list<T>(items: &[T], show: impl Fn(&T) -> String, other: &str, others: &str) -> String {
    let shown: Vec<String> = items.iter().take(MAX_PROBLEMS).map(show).collect();
    let mut text = shown.join(", ");
    let left = items.len() - shown.len();
    if left > 0 {
        text.push_str(&format!(" … et {}", plural(left, other, others)));
    }
    text
}

/// Keeps the first [`MAX_PROBLEMS`] problems and puts in their place of the others one
/// line: « … et 12 autres problèmes ».
pub fn bound_problems(problems: &mut Vec<String>) {
    if problems.len() > MAX_PROBLEMS {
        let left = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(others(left));
    }
}

/// « … et 1 autre problème », « … et 12 autres problèmes ».
pub fn others(count: usize) -> String {
    format!(
        "… et {}",
        plural(count, "autre problème", "autres problèmes")
    )
}

/// Every value quoted in `message` (between « and ») cut after [`MAX_QUOTED_CHARS`]
/// characters: the guard for messages built from a partner's file anywhere.
pub fn cut_quoted(message: &str) -> Cow<'_, str> {
    const OPEN: &str = "« ";
    const CLOSE: &str = " »";
    let mut out = String::new();
    let mut rest = message;
    let mut changed = false;
    while let Some(open) = rest.find(OPEN) {
        let inner_start = open + OPEN.len();
        let Some(len) = rest[inner_start..].find(CLOSE) else {
            break;
        };
        let inner = &rest[inner_start..inner_start + len];
        let cut = cut(inner, MAX_QUOTED_CHARS);
        changed |= matches!(cut, Cow::Owned(_));
        out.push_str(&rest[..inner_start]);
        out.push_str(&cut);
        out.push_str(CLOSE);
        rest = &rest[inner_start + len + CLOSE.len()..];
    }
    if !changed {
        return Cow::Borrowed(message);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A refusal or a reason as a report keeps it: its quoted values cut, and the whole within
/// [`MAX_MESSAGE_CHARS`] characters.
pub fn bound_message(message: &str) -> String {
    cut(&cut_quoted(message), MAX_MESSAGE_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_on_characters_with_an_ellipsis() {
        assert_eq!(cut("Libellé", 7), "Libellé");
        assert_eq!(cut("Libellé", 6), "Libell…");
        assert_eq!(quote(&"é".repeat(500)), format!("« {}… »", "é".repeat(100)));
    }

    #[test]
    fn lists_show_twenty_items_then_a_count() {
        let show = |s: &String| quote(s);
        let few = list(
            &["a".to_owned(), "b".to_owned()],
            show,
            "autre colonne",
            "autres colonnes",
        );
        assert_eq!(few, "« a », « b »");
        let names: Vec<String> = (0..21).map(|i| format!("c{i}")).collect();
        let one_more = list(&names, show, "autre colonne", "autres colonnes");
        assert!(one_more.starts_with("« c0 », « c1 », "), "{one_more}");
        assert!(
            one_more.ends_with("« c19 » … et 1 autre colonne"),
            "{one_more}"
        );
        let names: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
        let many = list(&names, show, "autre colonne", "autres colonnes");
        assert!(
            many.ends_with("« c19 » … et 999\u{202f}980 autres colonnes"),
            "{many}"
        );
    }

    #[test]
    fn quoted_values_of_any_message_are_cut() {
        let long = "b".repeat(5_000);
        let message = format!("balise « {long} » et « court » puis « {long} » fin « ouvert");
        let cut = bound_message(&message);
        let short = format!("{}…", "b".repeat(100));
        assert_eq!(
            cut,
            format!("balise « {short} » et « court » puis « {short} » fin « ouvert")
        );
        assert!(matches!(cut_quoted("« a » et « b »"), Cow::Borrowed(_)));
        let unquoted = "c".repeat(10_000);
        assert_eq!(
            bound_message(&unquoted).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn problems_beyond_twenty_are_counted() {
        let mut problems: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        bound_problems(&mut problems);
        assert_eq!(problems.len(), 20);
        problems.push("20".into());
        bound_problems(&mut problems);
        assert_eq!(problems.len(), 21);
        assert_eq!(problems[19], "19");
        assert_eq!(problems[20], "… et 1 autre problème");
        let mut problems: Vec<String> = (0..1_000).map(|i| i.to_string()).collect();
        bound_problems(&mut problems);
        assert_eq!(problems.len(), 21);
        assert_eq!(problems[20], "… et 980 autres problèmes");
    }
}
