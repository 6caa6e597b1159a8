//! French text rules shared by every page and mail: elision before a name (« d’Enora »,
//! « qu’Ibrahim ») and agreement with a count (« 1 entrée », « 3 entrées », « aucune
//! entrée »). Templates call them by path: `{{ crate::web::french::de(name) }}`,
//! `{{ crate::web::french::plural(n, "entrée", "entrées") }}`.
//!
//! Elision is decided on the first letter of the word that follows:
//! - a vowel, accented or not (a, e, i, o, u, à, â, é, è, ê, ë, î, ï, ô, ù, û, ü, œ, æ), in
//!   either case: « d’Enora », « d’Hélène » below, « d’Émilie », « d’Auray », « d’OPCO » ;
//! - `h`, taken as mute: « d’Hélène », « d’Hennebont ». Whether an `h` is mute or aspirated
//!   depends on the word (« de Honfleur », « de Hugo » are also heard); names are not in any
//!   dictionary, so every `h` elides, the more common case for first names and communes;
//! - `y` elides only before a consonant, where it sounds like « i » (« d’Yves », « d’Yvelines »),
//!   not before a vowel, where it is a consonant (« de Yann », « de Yolande »);
//! - anything else does not elide: consonants, digits (« de 8 personnes »), quotes
//!   (« de « Cuisine » »).

/// True if « de », « que »… lose their vowel before `word` (see the module's rules).
pub fn elides_before(word: impl AsRef<str>) -> bool {
    let mut letters = word
        .as_ref()
        .trim_start()
        .chars()
        .flat_map(char::to_lowercase);
    match letters.next() {
        Some(c) if is_vowel(c) || c == 'h' => true,
        Some('y') => letters
            .next()
            .is_some_and(|c| !is_vowel(c) && c.is_alphabetic()),
        _ => false,
    }
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'à'
            | 'â'
            | 'ä'
            | 'é'
            | 'è'
            | 'ê'
            | 'ë'
            | 'î'
            | 'ï'
            | 'ô'
            | 'ö'
            | 'ù'
            | 'û'
            | 'ü'
            | 'œ'
            | 'æ'
    )
}

/// `word` after a short word that elides (`de`, `que`, `jusque`…): « d’Enora », « de Yann ».
/// Keeps the case of `short` (« De » gives « D’ »).
pub fn elide(short: &str, word: impl AsRef<str>) -> String {
    let word = word.as_ref().trim_start();
    match short.strip_suffix('e') {
        Some(stem) if elides_before(word) => format!("{stem}’{word}"),
        _ => format!("{short} {word}"),
    }
}

/// « de » followed by a name: « d’Enora », « d’Hélène », « de Yann ».
pub fn de(word: impl AsRef<str>) -> String {
    elide("de", word)
}

/// « que » followed by a name: « qu’Enora », « que Yann ».
pub fn que(word: impl AsRef<str>) -> String {
    elide("que", word)
}

/// « de » followed by a place name, with the article of the name contracted as French does:
/// « du Havre », « des Sables-d’Olonne », « d’Auray », « de La Gacilly ».
pub fn de_place(place: impl AsRef<str>) -> String {
    let place = place.as_ref().trim_start();
    if let Some(rest) = place.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = place.strip_prefix("Les ") {
        format!("des {rest}")
    } else {
        de(place)
    }
}

/// A count, whatever integer type (or reference to one) a template holds.
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count!(i16, i32, i64, u8, u16, u32, u64, usize);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// True when `n` takes the plural in French: 2 and more (0 and 1 take the singular).
pub fn is_plural(n: impl Count) -> bool {
    n.count().abs() >= 2
}

/// The form of a word (or a group: « place disponible ») that agrees with `n`, without the
/// number: `agree(3, "a consulté", "ont consulté")` gives « ont consulté ».
pub fn agree<'a>(n: impl Count, one: &'a str, many: &'a str) -> &'a str {
    if is_plural(n) { many } else { one }
}

/// A count and its word: « 0 entrée », « 1 entrée », « 3 entrées », « 1 200 entrées ».
pub fn plural(n: impl Count, one: &str, many: &str) -> String {
    let n = n.count();
    format!("{} {}", number(n), agree(n, one, many))
}

/// Like [`plural`], but zero reads `none`: « aucune entrée », « 1 entrée », « 3 entrées ».
pub fn plural_or(n: impl Count, none: &str, one: &str, many: &str) -> String {
    if n.count() == 0 {
        none.to_owned()
    } else {
        plural(n, one, many)
    }
}

/// A whole number with its thousands apart, as French writes them: « 12 500 » (narrow
/// no-break space).
pub fn number(n: impl Count) -> String {
    let n = n.count();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn de_elides_before_vowels_and_h() {
        assert_eq!(de("Enora"), "d’Enora");
        assert_eq!(de("Hélène"), "d’Hélène");
        assert_eq!(de("Émilie Roux"), "d’Émilie Roux");
        assert_eq!(de("Yves"), "d’Yves");
        assert_eq!(de("Œuvre"), "d’Œuvre");
        assert_eq!(de("Auray"), "d’Auray");
        assert_eq!(de("Yann"), "de Yann");
        assert_eq!(de("Yolande"), "de Yolande");
        assert_eq!(de("Bastien"), "de Bastien");
        assert_eq!(de("8 personnes"), "de 8 personnes");
        assert_eq!(de("« Cuisine »"), "de « Cuisine »");
        assert_eq!(de(""), "de ");
        assert_eq!(que("Ibrahim"), "qu’Ibrahim");
        assert_eq!(que("Yann"), "que Yann");
        assert_eq!(elide("De", "Anne"), "D’Anne");
        assert_eq!(elide("jusque", "Auray"), "jusqu’Auray");
    }

    #[test]
    fn de_place_contracts_the_article() {
        assert_eq!(de_place("Le Havre"), "du Havre");
        assert_eq!(de_place("Les Sables-d’Olonne"), "des Sables-d’Olonne");
        assert_eq!(de_place("La Gacilly"), "de La Gacilly");
        assert_eq!(de_place("Hennebont"), "d’Hennebont");
        assert_eq!(de_place("Rennes"), "de Rennes");
    }

    #[test]
    fn plural_agrees_with_the_count() {
        assert_eq!(plural(0, "entrée", "entrées"), "0 entrée");
        assert_eq!(plural(1usize, "entrée", "entrées"), "1 entrée");
        assert_eq!(plural(3i64, "entrée", "entrées"), "3 entrées");
        // Templates hand over references to the counts they hold.
        let held: &u32 = &12_500;
        assert_eq!(plural(held, "place", "places"), "12\u{202f}500 places");
        assert_eq!(plural(-1, "jour", "jours"), "-1 jour");
        assert_eq!(plural(-2, "jour", "jours"), "-2 jours");
        assert_eq!(
            plural_or(0, "aucune entrée", "entrée", "entrées"),
            "aucune entrée"
        );
        assert_eq!(
            plural_or(1, "aucune entrée", "entrée", "entrées"),
            "1 entrée"
        );
        assert_eq!(
            plural_or(2, "aucune entrée", "entrée", "entrées"),
            "2 entrées"
        );
        assert_eq!(agree(1, "a consulté", "ont consulté"), "a consulté");
        assert_eq!(agree(2, "a consulté", "ont consulté"), "ont consulté");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1\u{202f}000");
        assert_eq!(number(-1_234_567), "-1\u{202f}234\u{202f}567");
    }
}
