//! The French analyzer used for offer titles, descriptions and company names, and for the
//! words people type.
//!
//! Words are runs of letters and digits. Elided articles and pronouns (`l'`, `d'`, `qu'`, `j'`,
//! `n'`, `s'`, `c'`, `m'`, `t'`, and `jusqu'`, `lorsqu'`, `puisqu'`, `quoiqu'`) are dropped when
//! an apostrophe (straight or curly) follows them. Then: lower case, accents folded to ASCII,
//! French stop words removed (accented and folded spellings), feminine trade names brought to
//! their masculine form (`boulangère` → `boulanger`, `vendeuse` → `vendeur`, `conductrice` →
//! `conducteur`: offers name both, people type either) and the plurals the stemmer misses to
//! their singular (`boulangers`, `vignerons`), French stemmer.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered in the index.
pub const FRENCH: &str = "fr_offer";

/// Changes whenever the analyzer gives other terms for a text: an index written by another
/// version is rebuilt from the database when the application starts.
pub const VERSION: &str = "2-plurals";

/// The French analyzer. Building one folds the stop words anew, which cost more than the
/// analysis of a short query: each caller gets a copy of one built once.
pub fn french_analyzer() -> TextAnalyzer {
    static BUILT: std::sync::LazyLock<TextAnalyzer> = std::sync::LazyLock::new(build);
    BUILT.clone()
}

fn build() -> TextAnalyzer {
    TextAnalyzer::builder(ElisionTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .filter(MasculineForm)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// The analyzed terms of `text`, in order, duplicates removed.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        if !out.iter().any(|t| t == &token.text) {
            out.push(token.text.clone());
        }
    }
    out
}

/// French stop words in both their accented and folded spellings (the filter runs after
/// folding, but keeping both costs nothing).
fn stop_words() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in FRENCH_STOP_WORDS {
        words.push((*word).to_owned());
        let folded = crate::types::fold(word);
        if folded != *word {
            words.push(folded);
        }
    }
    words
}

/// French stop words: Snowball's list (the one tantivy ships for `Language::French`, which it
/// does not expose) plus a few missing conjugated forms of *être* and *avoir*.
const FRENCH_STOP_WORDS: &[&str] = &[
    "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux", "il",
    "je", "la", "le", "leur", "lui", "ma", "mais", "me", "même", "mes", "moi", "mon", "ne", "nos",
    "notre", "nous", "on", "ou", "où", "par", "pas", "pour", "qu", "que", "qui", "sa", "se", "ses",
    "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "c", "d",
    "j", "l", "à", "m", "n", "s", "t", "y", "été", "étée", "étées", "étés", "étant", "suis", "es",
    "est", "êtes", "sont", "serai", "seras", "sera", "serons", "serez", "seront", "serais",
    "serait", "serions", "seriez", "seraient", "étais", "était", "étions", "étiez", "étaient",
    "fus", "fut", "fûmes", "fûtes", "furent", "sois", "soit", "soyons", "soyez", "soient", "fusse",
    "fusses", "fussions", "fussiez", "fussent", "ayant", "eu", "eue", "eues", "eus", "ai", "as",
    "avons", "avez", "ont", "aurai", "auras", "aura", "aurons", "aurez", "auront", "aurais",
    "aurait", "aurions", "auriez", "auraient", "avais", "avait", "avions", "aviez", "avaient",
    "eut", "eûmes", "eûtes", "eurent", "aie", "aies", "ait", "ayons", "ayez", "aient", "eusse",
    "eusses", "eût", "eussions", "eussiez", "eussent", "ceci", "cela", "celà", "cet", "cette",
    "ici", "ils", "les", "leurs", "quel", "quels", "quelle", "quelles", "sans", "soi",
];

/// Words that lose their last vowel before another word (`l'atelier`, `qu'il`).
const ELIDED: &[&str] = &[
    "l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘')
}

/// Splits on anything that is not a letter or a digit and drops elided words.
#[derive(Clone, Default)]
pub struct ElisionTokenizer {
    token: Token,
}

pub struct ElisionTokenStream<'a> {
    text: &'a str,
    pos: usize,
    token: &'a mut Token,
}

impl Tokenizer for ElisionTokenizer {
    type TokenStream<'a> = ElisionTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ElisionTokenStream<'a> {
        self.token.reset();
        ElisionTokenStream {
            text,
            pos: 0,
            token: &mut self.token,
        }
    }
}

impl ElisionTokenStream<'_> {
    /// The next run of letters and digits at or after `self.pos`, as byte offsets.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let rest = &self.text[self.pos..];
        let mut start = None;
        for (i, c) in rest.char_indices() {
            match (start, c.is_alphanumeric()) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    let from = self.pos + s;
                    self.pos += i;
                    return Some((from, self.pos));
                }
                _ => {}
            }
        }
        let s = start?;
        let from = self.pos + s;
        self.pos = self.text.len();
        Some((from, self.text.len()))
    }
}

impl TokenStream for ElisionTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((from, to)) = self.next_word() {
            let word = &self.text[from..to];
            let elided = self.text[to..].chars().next().is_some_and(is_apostrophe)
                && word.len() <= 6
                && ELIDED.iter().any(|e| e.eq_ignore_ascii_case(word));
            if elided {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(word);
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Feminine endings of trade names (after folding) and their masculine form, plural kept.
const FEMININE_ENDINGS: &[(&str, &str)] = &[
    ("ieres", "iers"),
    ("iere", "ier"),
    ("eres", "ers"),
    ("ere", "er"),
    ("euses", "eurs"),
    ("euse", "eur"),
    ("trices", "teurs"),
    ("trice", "teur"),
    ("iennes", "iens"),
    ("ienne", "ien"),
];

/// Rewrites a folded feminine trade name to its masculine form, in place.
pub fn masculine_form(word: &mut String) {
    for (feminine, masculine) in FEMININE_ENDINGS {
        // Short words (`mere`, `pere`) are left alone.
        if word.len() >= feminine.len() + 3 && word.ends_with(feminine) {
            word.truncate(word.len() - feminine.len());
            word.push_str(masculine);
            break;
        }
    }
    singular_form(word);
}

/// Brings to the singular the plural trade names the French stemmer keeps apart from it:
/// `boulangers`, `bouchers` (it strips `-er` but not `-ers`) and `vignerons`, `bucherons`
/// (read as verbs in `-erons`).
fn singular_form(word: &mut String) {
    if word.len() >= 6 && (word.ends_with("ers") || word.ends_with("erons")) {
        word.pop();
    }
}

/// Token filter applying [`masculine_form`].
#[derive(Clone, Copy)]
pub struct MasculineForm;

impl TokenFilter for MasculineForm {
    type Tokenizer<T: Tokenizer> = MasculineFormFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MasculineFormFilter<T> {
        MasculineFormFilter(tokenizer)
    }
}

#[derive(Clone)]
pub struct MasculineFormFilter<T>(T);

impl<T: Tokenizer> Tokenizer for MasculineFormFilter<T> {
    type TokenStream<'a> = MasculineFormStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MasculineFormStream(self.0.token_stream(text))
    }
}

pub struct MasculineFormStream<S>(S);

impl<S: TokenStream> TokenStream for MasculineFormStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        masculine_form(&mut self.0.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str) -> Vec<String> {
        terms(&mut french_analyzer(), text)
    }

    #[test]
    fn accents_and_case_are_folded() {
        assert_eq!(analyze("Boulangère"), analyze("boulangere"));
        assert_eq!(analyze("PÂTISSIER"), analyze("patissier"));
        assert_eq!(analyze("Électricien"), analyze("electricien"));
        assert_eq!(analyze("maçon"), analyze("macon"));
    }

    #[test]
    fn elision_with_straight_and_curly_apostrophes() {
        assert_eq!(analyze("l'hôtellerie"), analyze("hôtellerie"));
        assert_eq!(analyze("l’hôtellerie"), analyze("hôtellerie"));
        assert_eq!(analyze("d’engins"), analyze("engins"));
        assert_eq!(analyze("qu'il"), Vec::<String>::new());
        assert_eq!(analyze("L'Atelier J'aime"), analyze("atelier aime"));
        assert_eq!(analyze("aujourd'hui").len(), 2);
    }

    #[test]
    fn stop_words_are_removed() {
        assert_eq!(
            analyze("le chef de la cuisine et des salles"),
            analyze("chef cuisine salles")
        );
        assert!(analyze("à où été").is_empty());
        assert!(analyze("a ou ete").is_empty());
    }

    #[test]
    fn plurals_are_stemmed() {
        assert_eq!(analyze("cuisiniers"), analyze("cuisinier"));
        assert_eq!(analyze("comptables"), analyze("comptable"));
        assert_eq!(analyze("Électriciens"), analyze("électricien"));
        for (plural, singular) in [
            ("boulangers", "boulanger"),
            ("Bouchers", "boucher"),
            ("horlogers", "horloger"),
            ("maraîchers", "maraîcher"),
            ("vignerons", "vigneron"),
            ("bûcherons", "bûcheron"),
            ("boulangères", "boulanger"),
        ] {
            assert_eq!(analyze(plural), analyze(singular), "{plural} / {singular}");
        }
    }

    #[test]
    fn feminine_and_masculine_trade_names_meet() {
        for (a, b) in [
            ("boulangère", "boulanger"),
            ("Cuisinières", "cuisinier"),
            ("vendeuse", "vendeurs"),
            ("conductrice", "conducteur"),
            ("électricienne", "électricien"),
            ("infirmière", "infirmiers"),
            ("maçonne", "maçon"),
        ] {
            assert_eq!(analyze(a), analyze(b), "{a} / {b}");
        }
        assert_ne!(analyze("boulangerie"), analyze("boulanger"));
    }

    #[test]
    fn words_split_on_punctuation() {
        assert_eq!(analyze("aide-soignant"), analyze("aide soignant"));
        assert_eq!(analyze("un(e) vendeur/vendeuse"), analyze("e vendeur"));
    }
}
