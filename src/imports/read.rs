//! Reading the CSV files that partner software sends: bytes in, a table of trimmed text out.
//!
//! The reader is forgiving about what spreadsheets and management software really produce
//! (UTF-8 with or without BOM, Windows-1252, `;`, `,` or tab, CRLF, trailing empty columns,
//! blank lines) but exact about what it keeps: every row remembers the physical line it starts
//! on, and a file it cannot read with certainty is refused with a French message that a
//! partner's staff can act on. Nothing here touches the database or the file system.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};

use super::report::quote;
use crate::types::fold;

/// Most bytes accepted in one file (50 MiB).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// How many leading bytes are examined to tell text from binary data.
const SNIFF_BYTES: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a received file is XML (an LHÉO catalogue) rather than CSV: its first significant
/// character.
pub fn is_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

/// Delimiters recognised, in the order that breaks ties.
const DELIMITERS: [u8; 3] = [b';', b'\t', b','];

/// Text encodings recognised in partner files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

impl Encoding {
    /// The name shown to people (import reports).
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 avec BOM",
            Encoding::Windows1252 => "Windows-1252",
        }
    }
}

/// A problem that makes the whole file unreadable (French message for a partner's staff, who are not developers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// A partner file read into text: the header row and the data rows below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub encoding: Encoding,
    /// `b';'`, `b','` or `b'\t'`.
    pub delimiter: u8,
    /// Trimmed, trailing empty header cells removed; never empty, never duplicated (folded).
    pub headers: Vec<String>,
    /// At least one; blank lines are not rows.
    pub rows: Vec<Row>,
    /// The index of each header by its key ([`header_key`]): a file may have a million
    /// columns, and each field of a profile is looked up in them.
    keys: HashMap<String, usize>,
}

/// One record of a partner file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Physical line number (1-based) where the record starts in the file; the header is line 1.
    pub line: usize,
    /// Trimmed; trailing empty cells beyond the header width removed. A row may still be longer
    /// than the header (cells with text in them): the caller decides what to do with it.
    pub fields: Vec<String>,
}

impl Table {
    /// Index of the column whose header matches `name`, ignoring case, accents and spaces
    /// (`"libelle"` finds `"Libellé"`, `"date de debut"` finds `"Date de début"`).
    pub fn column(&self, name: &str) -> Option<usize> {
        let key = header_key(name);
        if key.is_empty() {
            return None;
        }
        self.keys.get(&key).copied()
    }
}

impl Row {
    /// The cell at `index`, or `""` when the row is shorter.
    pub fn get(&self, index: usize) -> &str {
        self.fields.get(index).map_or("", String::as_str)
    }
}

/// Turns the file's bytes into text, refusing files that are too large, binary or in an
/// encoding that cannot be told with certainty.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError(format!(
            "Le fichier dépasse {} Mo : découpez-le en plusieurs envois.",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileError(
            "Ce fichier est enregistré en UTF-16 (« texte Unicode ») : enregistrez-le au format \
             « CSV UTF-8 » ou « CSV (séparateur : point-virgule) », puis renvoyez-le."
                .into(),
        ));
    }
    if looks_binary(bytes) {
        return Err(FileError(
            "Ce fichier n’est pas un fichier texte CSV : vérifiez que vous envoyez bien l’export \
             des offres."
                .into(),
        ));
    }
    if let Some(mut rest) = bytes.strip_prefix(UTF8_BOM) {
        // A file saved twice by careless tools can carry two marks.
        while let Some(more) = rest.strip_prefix(UTF8_BOM) {
            rest = more;
        }
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), Encoding::Utf8Bom)),
            Err(error) => Err(FileError(format!(
                "Le fichier annonce l’encodage UTF-8, mais la ligne {} contient des caractères \
                 enregistrés dans un autre encodage : enregistrez-le de nouveau au format \
                 « CSV UTF-8 », puis renvoyez-le.",
                line_at(rest, error.valid_up_to())
            ))),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), Encoding::Utf8)),
        // WHATWG's Windows-1252: the five bytes the code page leaves undefined (0x81, 0x8D,
        // 0x8F, 0x90, 0x9D) keep their Latin-1 code points.
        Err(_) => Ok((
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            Encoding::Windows1252,
        )),
    }
}

/// A NUL byte anywhere, or more than 1% of control characters (other than tab, CR and LF)
/// in the first 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
        .count();
    controls * 100 > sample.len()
}

/// The 1-based line on which byte `offset` lies.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count()
}

/// Where a CSV reader stands with respect to quotes, following the rules of the `csv` crate:
/// a quote opens a quoted section only as the first character of a field; inside, a doubled
/// quote stands for one quote, and a single one closes the section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote seen inside a quoted section: either it closes it or a second one follows.
    QuoteInQuoted,
}

impl Quoting {
    fn next(self, byte: u8, is_delimiter: bool) -> Self {
        let ends_field = is_delimiter || byte == b'\n' || byte == b'\r';
        match self {
            Quoting::Quoted if byte == b'"' => Quoting::QuoteInQuoted,
            Quoting::Quoted => Quoting::Quoted,
            Quoting::QuoteInQuoted if byte == b'"' => Quoting::Quoted,
            _ if ends_field => Quoting::FieldStart,
            Quoting::FieldStart if byte == b'"' => Quoting::Quoted,
            _ => Quoting::Unquoted,
        }
    }
}

/// The delimiter of the header line: the most frequent of `;`, tab and `,` outside quoted
/// sections on the first line that is not blank; ties prefer `;`, then tab, then `,`.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut has_content = false;
    let mut state = Quoting::FieldStart;
    for byte in text.bytes() {
        let candidate = DELIMITERS.iter().position(|&d| d == byte);
        if state != Quoting::Quoted {
            if byte == b'\n' || byte == b'\r' {
                if has_content {
                    break;
                }
                counts = [0; DELIMITERS.len()];
            } else if let Some(index) = candidate {
                counts[index] += 1;
            }
        }
        if !byte.is_ascii_whitespace() {
            has_content = true;
        }
        state = state.next(byte, candidate.is_some());
    }
    let mut best = 0;
    for index in 1..DELIMITERS.len() {
        if counts[index] > counts[best] {
            best = index;
        }
    }
    DELIMITERS[best]
}

/// Refuses a quoted section that is never closed: the `csv` crate would silently swallow the
/// rest of the file into one cell.
fn check_quotes(text: &str, delimiter: u8) -> Result<(), FileError> {
    let mut state = Quoting::FieldStart;
    let mut line = 1;
    let mut opened_on = 1;
    for byte in text.bytes() {
        let next = state.next(byte, byte == delimiter);
        if state == Quoting::FieldStart && next == Quoting::Quoted {
            opened_on = line;
        }
        if byte == b'\n' {
            line += 1;
        }
        state = next;
    }
    if state == Quoting::Quoted {
        return Err(FileError(format!(
            "Un guillemet (\") ouvert à la ligne {opened_on} n’est jamais refermé : vérifiez \
             cette ligne. Dans un texte entre guillemets, un guillemet doit être doublé (\"\")."
        )));
    }
    Ok(())
}

/// Reads a whole partner file: encoding, delimiter, header row and data rows.
pub fn read_table(bytes: &[u8]) -> Result<Table, FileError> {
    let (mut text, encoding) = decode(bytes)?;
    if text.contains('\r') && !text.contains('\n') {
        // Old Mac line endings: the csv crate splits on them but counts lines on LF only.
        text = text.replace('\r', "\n");
    }
    let delimiter = detect_delimiter(&text);
    check_quotes(&text, delimiter)?;

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<(Vec<String>, HashMap<String, usize>)> = None;
    let mut rows = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(unreadable(&error)),
        }
        let mut fields: Vec<String> = record.iter().map(clean_cell).collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        match &headers {
            None => headers = Some(read_headers(fields)?),
            Some((headers, _)) => {
                while fields.len() > headers.len() && fields.last().is_some_and(String::is_empty) {
                    fields.pop();
                }
                let line = start_line(text.as_bytes(), record.position());
                rows.push(Row { line, fields });
            }
        }
    }
    match headers {
        Some((headers, keys)) if !rows.is_empty() => Ok(Table {
            encoding,
            delimiter,
            headers,
            rows,
            keys,
        }),
        _ => Err(FileError(
            "Le fichier ne contient aucune ligne d’offre après la ligne d’en-tête.".into(),
        )),
    }
}

/// The physical line on which a record starts. The `csv` crate gives the position where it
/// began reading, which is before the line break of the previous record (the LF of a CRLF)
/// and before any blank lines it skipped: step over those.
fn start_line(text: &[u8], position: Option<&csv::Position>) -> usize {
    let Some(position) = position else {
        return 0;
    };
    let from = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let skipped = text
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    usize::try_from(position.line())
        .unwrap_or(usize::MAX)
        .saturating_add(skipped)
}

/// Trims a cell, drops the byte order marks (U+FEFF) in it and gives line breaks inside it
/// the single form `\n`. A mark can begin any line of a file made by pasting files together,
/// and is invisible: kept, it would end up in a stored reference that no longer matches.
fn clean_cell(cell: &str) -> String {
    let without_bom;
    let cell = if cell.contains('\u{FEFF}') {
        without_bom = cell.replace('\u{FEFF}', "");
        without_bom.trim()
    } else {
        cell.trim()
    };
    if cell.contains('\r') {
        cell.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        cell.to_owned()
    }
}

fn unreadable(error: &csv::Error) -> FileError {
    let place = error
        .position()
        .map(|p| format!(" à la ligne {}", p.line()))
        .unwrap_or_default();
    FileError(format!(
        "Le fichier n’a pas pu être lu{place} : vérifiez qu’il s’agit bien d’un export CSV des \
         offres."
    ))
}

/// Checks the header row: no unnamed column between named ones, no name used twice. Returns
/// it with the index of each column by its key.
fn read_headers(
    mut cells: Vec<String>,
) -> Result<(Vec<String>, HashMap<String, usize>), FileError> {
    while cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, cell) in cells.iter().enumerate() {
        if cell.is_empty() {
            return Err(FileError(format!(
                "La colonne {} ({}) de la ligne d’en-tête n’a pas de nom : donnez-lui un nom ou \
                 supprimez-la.",
                index + 1,
                column_letters(index)
            )));
        }
        if let Some(first) = seen.insert(header_key(cell), index) {
            let earlier = &cells[first];
            let message = if earlier == cell {
                format!(
                    "La colonne {} apparaît deux fois dans la ligne d’en-tête (colonnes {} ({}) et \
                     {} ({})) : chaque colonne doit avoir un nom différent.",
                    quote(cell),
                    first + 1,
                    column_letters(first),
                    index + 1,
                    column_letters(index)
                )
            } else {
                format!(
                    "Les colonnes {} ({} ({})) et {} ({} ({})) de la ligne d’en-tête portent le \
                     même nom : chaque colonne doit avoir un nom différent.",
                    quote(earlier),
                    first + 1,
                    column_letters(first),
                    quote(cell),
                    index + 1,
                    column_letters(index)
                )
            };
            return Err(FileError(message));
        }
    }
    Ok((cells, seen))
}

/// The form under which header names are compared: folded (lower case, no accents) and
/// without any space.
fn header_key(name: &str) -> String {
    fold(name).replace(' ', "")
}

/// The spreadsheet name of a column: 0 → `A`, 25 → `Z`, 26 → `AA`.
fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rest).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A date written `22/11/2026`, `22-11-2026`, `22.11.2026` (day first) or `2026-11-22` (year
/// first), optionally followed by a time (`2026-11-22T08:00:00Z`, `22/11/2026 00:00`), of
/// which only the date is kept. Two-digit years are refused: `22/11/26` is ambiguous.
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let input = input.trim();
    let (date, time) = match input.find(['T', 't', ' ']) {
        Some(at) => (&input[..at], Some(input[at + 1..].trim_start())),
        None => (input, None),
    };
    if time.is_some_and(|time| !is_time(time)) {
        return None;
    }
    let separator = date.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = date.split(separator).collect();
    let [first, second, third] = parts[..] else {
        return None;
    };
    if !parts
        .iter()
        .all(|part| part.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let short = |part: &str| (1..=2).contains(&part.len());
    let (year, month, day) = if first.len() == 4 && short(second) && short(third) {
        (first, second, third)
    } else if short(first) && short(second) && third.len() == 4 {
        (third, second, first)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// `08:00`, `08:00:00` or `08:00:00.123`, optionally followed by `Z` or an offset.
fn is_time(input: &str) -> bool {
    let clock = if let Some(clock) = input.strip_suffix(['Z', 'z']) {
        clock
    } else if let Some(at) = input.rfind(['+', '-']) {
        let offset = &input[at + 1..];
        let digits: String = offset.chars().filter(|&c| c != ':').collect();
        let well_formed = matches!(offset.len(), 2 | 4 | 5)
            && matches!(digits.len(), 2 | 4)
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (offset.len() != 5 || offset.as_bytes()[2] == b':');
        if !well_formed {
            return false;
        }
        &input[..at]
    } else {
        input
    };
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .any(|format| NaiveTime::parse_from_str(clock, format).is_ok())
}

/// A decimal number written the French or the English way: `1,5`, `1.5`, `1 234,5` (thousands
/// separated by normal, no-break or narrow no-break spaces), `-4,25`. Refuses `1,2,3`,
/// `1.234,5`, `abc` and the empty string.
pub fn parse_decimal(input: &str) -> Option<f64> {
    let (negative, integer, fraction) = split_number(input)?;
    let sign = if negative { "-" } else { "" };
    let text = match fraction {
        Some(fraction) => format!("{sign}{integer}.{fraction}"),
        None => format!("{sign}{integer}"),
    };
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// A whole number: `12`, ` 12 `, `1 200`, `-3`. Refuses `12,0`, `12.5` and anything else.
pub fn parse_integer(input: &str) -> Option<i64> {
    let (negative, integer, fraction) = split_number(input)?;
    if fraction.is_some() {
        return None;
    }
    let sign = if negative { "-" } else { "" };
    format!("{sign}{integer}").parse().ok()
}

/// Sign, integer digits (group spaces removed) and fraction digits of a number.
fn split_number(input: &str) -> Option<(bool, String, Option<&str>)> {
    let text = input.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (integer, fraction) = match text.find([',', '.']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if fraction.is_some_and(|fraction| !all_digits(fraction)) {
        return None;
    }
    let groups: Vec<&str> = integer
        .split([' ', '\u{A0}', '\u{202F}', '\u{2009}'])
        .collect();
    let (first, rest) = groups.split_first()?;
    if !all_digits(first) {
        return None;
    }
    if !rest.is_empty() && (first.len() > 3 || !rest.iter().all(|g| g.len() == 3 && all_digits(g)))
    {
        return None;
    }
    Some((negative, groups.concat(), fraction))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(bytes: &[u8]) -> Table {
        read_table(bytes).unwrap_or_else(|e| panic!("unexpected refusal: {e}"))
    }

    fn refusal(bytes: &[u8]) -> String {
        match read_table(bytes) {
            Ok(table) => panic!("accepted: {table:?}"),
            Err(FileError(message)) => message,
        }
    }

    fn fields(row: &Row) -> Vec<&str> {
        row.fields.iter().map(String::as_str).collect()
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    // Encodings

    #[test]
    fn encoding_labels() {
        assert_eq!(Encoding::Utf8.label(), "UTF-8");
        assert_eq!(Encoding::Utf8Bom.label(), "UTF-8 avec BOM");
        assert_eq!(Encoding::Windows1252.label(), "Windows-1252");
    }

    #[test]
    fn utf8() {
        let t = table("titre;ville\nÉlectricien;Quéven\n".as_bytes());
        assert_eq!(t.encoding, Encoding::Utf8);
        assert_eq!(t.headers, ["titre", "ville"]);
        assert_eq!(fields(&t.rows[0]), ["Électricien", "Quéven"]);
    }

    #[test]
    fn utf8_with_bom() {
        let t = table(b"\xEF\xBB\xBFtitre;ville\n\xC3\x89lectricien;Qu\xC3\xA9ven\n");
        assert_eq!(t.encoding, Encoding::Utf8Bom);
        assert_eq!(t.headers, ["titre", "ville"]);
        assert_eq!(t.column("titre"), Some(0));
        assert_eq!(fields(&t.rows[0]), ["Électricien", "Quéven"]);
    }

    #[test]
    fn two_boms_are_both_removed() {
        let (text, encoding) = decode(b"\xEF\xBB\xBF\xEF\xBB\xBFtitre\n").unwrap();
        assert_eq!(encoding, Encoding::Utf8Bom);
        assert_eq!(text, "titre\n");
    }

    #[test]
    fn a_bom_starting_a_later_line_is_dropped_from_its_cells() {
        // Two exports pasted together: the second one's mark begins line 3.
        let t =
            table("\u{FEFF}reference;titre\nA1;Soudeur\n\u{FEFF}A2;Cariste\u{FEFF}\n".as_bytes());
        assert_eq!(fields(&t.rows[0]), ["A1", "Soudeur"]);
        assert_eq!(fields(&t.rows[1]), ["A2", "Cariste"]);
        assert_eq!(t.rows[1].line, 3);
        // A mark alone is an empty cell, and a line of them is blank.
        let t = table("reference;titre\n\u{FEFF};\u{FEFF}\nA3; \u{FEFF} Boulanger\n".as_bytes());
        assert_eq!(t.rows.len(), 1);
        assert_eq!(fields(&t.rows[0]), ["A3", "Boulanger"]);
    }

    #[test]
    fn windows_1252() {
        let t = table(b"titre;ville\n\xc9lectricien;Qu\xe9ven\n");
        assert_eq!(t.encoding, Encoding::Windows1252);
        assert_eq!(fields(&t.rows[0]), ["Électricien", "Quéven"]);
    }

    #[test]
    fn windows_1252_high_range() {
        let t = table(b"titre;salaire\nL\x92atelier \x9cuvre \x8cE;1 500 \x80\n");
        assert_eq!(t.encoding, Encoding::Windows1252);
        assert_eq!(fields(&t.rows[0]), ["L’atelier œuvre ŒE", "1 500 €"]);
        let (text, _) = decode(b"\x80\x81\x8d\x8f\x90\x9d\x96\x97\x85\x9f\xff").unwrap();
        assert_eq!(
            text, "€\u{81}\u{8D}\u{8F}\u{90}\u{9D}–—…Ÿÿ",
            "undefined bytes keep their Latin-1 code points"
        );
    }

    #[test]
    fn bom_followed_by_other_encoding_is_refused() {
        let message = refusal(b"\xEF\xBB\xBFtitre;ville\nA;B\n\xc9lectricien;Qu\xe9ven\n");
        assert!(message.contains("UTF-8"), "{message}");
        assert!(message.contains("ligne 3"), "{message}");
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        let message = refusal(b"\xFF\xFEt\x00i\x00t\x00r\x00e\x00\n\x00");
        assert!(message.contains("UTF-16"), "{message}");
    }

    // Delimiters

    #[test]
    fn semicolon_comma_and_tab() {
        for (text, delimiter) in [
            ("titre;ville;code\nA;B;C\n", b';'),
            ("titre,ville,code\nA,B,C\n", b','),
            ("titre\tville\tcode\nA\tB\tC\n", b'\t'),
        ] {
            let t = table(text.as_bytes());
            assert_eq!(t.delimiter, delimiter, "{text:?}");
            assert_eq!(t.headers, ["titre", "ville", "code"]);
            assert_eq!(fields(&t.rows[0]), ["A", "B", "C"]);
        }
    }

    #[test]
    fn delimiter_is_the_most_frequent_on_the_first_line() {
        assert_eq!(detect_delimiter("a,b,c;d\n1;2;3;4;5\n"), b',');
        assert_eq!(detect_delimiter("a;b;c,d\n"), b';');
        assert_eq!(detect_delimiter("a\tb\tc;d,e\n"), b'\t');
    }

    #[test]
    fn delimiter_ties_prefer_semicolon_then_tab_then_comma() {
        assert_eq!(detect_delimiter("a;b,c\tf\n"), b';');
        assert_eq!(detect_delimiter("a,b\tc\n"), b'\t');
        assert_eq!(detect_delimiter("titre\n"), b';');
        assert_eq!(detect_delimiter(""), b';');
    }

    #[test]
    fn delimiter_ignores_quoted_sections_and_leading_blank_lines() {
        assert_eq!(detect_delimiter("\"a;b\",\"c;d;e\",f\n"), b',');
        assert_eq!(detect_delimiter("\"x;\ny;z\",w\n"), b',');
        assert_eq!(detect_delimiter("\r\n  \n\ta,b,c\n"), b',');
    }

    #[test]
    fn quoted_delimiters_stay_in_their_cell() {
        let t = table(b"titre,description,ville\nA,\"Pain, viennoiseries\",Brest\n");
        assert_eq!(fields(&t.rows[0]), ["A", "Pain, viennoiseries", "Brest"]);
    }

    // Records and line numbers

    #[test]
    fn quoted_newlines_and_doubled_quotes_keep_line_numbers_right() {
        let t = table(
            b"titre;description;ville\r\n\
              A;\"ligne 1\r\nligne \"\"2\"\"\r\n\";Brest\r\n\
              B;x;Quimper\r\n\
              C;\"un\ndeux\";Vannes\n\
              D;y;Lorient\n",
        );
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(fields(&t.rows[0]), ["A", "ligne 1\nligne \"2\"", "Brest"]);
        assert_eq!(t.rows[1].line, 5);
        assert_eq!(fields(&t.rows[1]), ["B", "x", "Quimper"]);
        assert_eq!(t.rows[2].line, 6);
        assert_eq!(t.rows[3].line, 8);
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let t = table(b"\ntitre;ville\n\nA;B\n;;\n  ;  \r\nC;D\n\n");
        assert_eq!(t.headers, ["titre", "ville"]);
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 7]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let t = table(b"titre;ville\rA;B\rC;D\r");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 3);
        assert_eq!(fields(&t.rows[1]), ["C", "D"]);
    }

    #[test]
    fn no_final_newline() {
        let t = table(b"titre;ville\nA;B");
        assert_eq!(fields(&t.rows[0]), ["A", "B"]);
    }

    #[test]
    fn cells_are_trimmed() {
        let t = table(" titre ; ville \n  A\u{A0};\t B \n".as_bytes());
        assert_eq!(t.headers, ["titre", "ville"]);
        assert_eq!(fields(&t.rows[0]), ["A", "B"]);
    }

    #[test]
    fn trailing_empty_columns_are_dropped() {
        let t = table(b"titre;ville;;\nA;B;;\nC;;;;\nD;;\n");
        assert_eq!(t.headers, ["titre", "ville"]);
        assert_eq!(fields(&t.rows[0]), ["A", "B"]);
        assert_eq!(fields(&t.rows[1]), ["C", ""]);
        assert_eq!(fields(&t.rows[2]), ["D", ""]);
    }

    #[test]
    fn rows_longer_than_the_header_are_kept() {
        let t = table(b"titre;ville\nA;B;C\nD;E;;F;;\nG;H\n");
        assert_eq!(t.rows.len(), 3);
        assert_eq!(fields(&t.rows[0]), ["A", "B", "C"]);
        assert_eq!(fields(&t.rows[1]), ["D", "E", "", "F"]);
    }

    #[test]
    fn short_rows_read_as_empty() {
        let t = table(b"titre;ville;code\nA\n");
        let row = &t.rows[0];
        assert_eq!(row.get(0), "A");
        assert_eq!(row.get(1), "");
        assert_eq!(row.get(99), "");
    }

    #[test]
    fn a_quote_inside_an_unquoted_cell_is_a_character() {
        let t = table(b"titre;taille\nEcran 24\";x\n");
        assert_eq!(fields(&t.rows[0]), ["Ecran 24\"", "x"]);
    }

    #[test]
    fn an_unclosed_quote_is_refused_with_its_line() {
        let message = refusal(b"titre;ville\nA;B\nC;\"Brest\nD;E\nF;G\n");
        assert!(message.contains("ligne 3"), "{message}");
        assert!(message.contains("jamais refermé"), "{message}");
    }

    // Headers

    #[test]
    fn column_lookup_ignores_case_accents_and_spaces() {
        let t = table("Libellé;Date de début;VILLE\nA;B;C\n".as_bytes());
        assert_eq!(t.column("libelle"), Some(0));
        assert_eq!(t.column("LIBELLÉ"), Some(0));
        assert_eq!(t.column(" date de debut "), Some(1));
        assert_eq!(t.column("datedebut"), None);
        assert_eq!(t.column("date_de_debut"), None);
        assert_eq!(t.column("DateDeDébut"), Some(1));
        assert_eq!(t.column("ville"), Some(2));
        assert_eq!(t.column("code"), None);
        assert_eq!(t.column(""), None);
    }

    #[test]
    fn duplicate_header_is_refused() {
        let message = refusal(b"ville;titre;ville\nA;B;C\n");
        assert!(message.contains("« ville »"), "{message}");
        assert!(message.contains("colonnes 1 (A) et 3 (C)"), "{message}");
        let message = refusal("Libellé;code;libelle\nA;B;C\n".as_bytes());
        assert!(message.contains("« Libellé »"), "{message}");
        assert!(message.contains("« libelle »"), "{message}");
        let message = refusal("Date début;DATE  DEBUT\nA;B\n".as_bytes());
        assert!(message.contains("même nom"), "{message}");
    }

    #[test]
    fn a_long_duplicate_header_is_quoted_cut() {
        let name = "x".repeat(100_000);
        let message = refusal(format!("{name};{name}\nA;B\n").as_bytes());
        assert!(message.len() < 1_000, "{} bytes", message.len());
        assert!(
            message.starts_with(&format!(
                "La colonne « {}… » apparaît deux fois",
                "x".repeat(100)
            )),
            "{message}"
        );
    }

    #[test]
    fn unnamed_header_column_is_refused() {
        let message = refusal(b"titre;;ville\nA;B;C\n");
        assert!(message.contains("colonne 2 (B)"), "{message}");
        assert!(message.contains("n’a pas de nom"), "{message}");
    }

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    // Whole-file refusals

    #[test]
    fn empty_file_is_refused() {
        let expected = "Le fichier ne contient aucune ligne d’offre après la ligne d’en-tête.";
        assert_eq!(refusal(b""), expected);
        assert_eq!(refusal(b"\r\n\n  \n"), expected);
        assert_eq!(refusal(b"\xEF\xBB\xBF"), expected);
    }

    #[test]
    fn header_only_is_refused() {
        let expected = "Le fichier ne contient aucune ligne d’offre après la ligne d’en-tête.";
        assert_eq!(refusal(b"titre;ville"), expected);
        assert_eq!(refusal(b"titre;ville\r\n\r\n;;\r\n"), expected);
    }

    #[test]
    fn binary_data_is_refused() {
        let expected = "Ce fichier n’est pas un fichier texte CSV : vérifiez que vous envoyez bien \
                        l’export des offres.";
        assert_eq!(refusal(b"titre;ville\nA\0;B\n"), expected);
        assert_eq!(refusal(b"PK\x03\x04\x14\x00\x06\x00\x08\x00"), expected);
        let mut noisy = b"titre;ville\n".repeat(10);
        noisy.extend_from_slice(b"\x01\x02");
        assert_eq!(
            refusal(&noisy),
            expected,
            "2 control characters in 122 bytes"
        );
    }

    #[test]
    fn a_few_control_characters_are_tolerated() {
        let mut text = b"titre;ville\n".to_vec();
        text.extend(b"Boulanger;Brest\n".repeat(10));
        text.extend_from_slice(b"A\x01B;C\n");
        let t = table(&text);
        assert_eq!(t.rows.len(), 11);
        assert_eq!(t.rows[10].line, 12);
        assert_eq!(t.rows[10].fields, ["A\u{1}B", "C"]);
    }

    #[test]
    fn oversized_file_is_refused() {
        let mut bytes = vec![b'a'; MAX_FILE_BYTES + 1];
        bytes[5] = b'\n';
        assert_eq!(
            refusal(&bytes),
            "Le fichier dépasse 50 Mo : découpez-le en plusieurs envois."
        );
        bytes.pop();
        assert!(decode(&bytes).is_ok(), "exactly the limit is accepted");
    }

    // Values

    #[test]
    fn dates() {
        assert_eq!(parse_date("22/11/2026"), date(2026, 11, 22));
        assert_eq!(parse_date("22-11-2026"), date(2026, 11, 22));
        assert_eq!(parse_date("22.11.2026"), date(2026, 11, 22));
        assert_eq!(parse_date(" 2/3/2026 "), date(2026, 3, 2));
        assert_eq!(parse_date("2026-11-22"), date(2026, 11, 22));
        assert_eq!(parse_date("2026-11-22T08:00:00Z"), date(2026, 11, 22));
        assert_eq!(
            parse_date("2026-11-22T23:30:00.250+02:00"),
            date(2026, 11, 22)
        );
        assert_eq!(parse_date("2026-11-22T23:30:00-0500"), date(2026, 11, 22));
        assert_eq!(parse_date("2026-11-22 08:00"), date(2026, 11, 22));
        assert_eq!(parse_date("22/11/2026 00:00:00"), date(2026, 11, 22));
        assert_eq!(parse_date("29/02/2028"), date(2028, 2, 29));
        assert_eq!(parse_date("2026-11-22 "), date(2026, 11, 22));
    }

    #[test]
    fn dates_refused() {
        for input in [
            "",
            "22/11/26",
            "26/11/22",
            "31/02/2026",
            "29/02/2027",
            "13/13/2026",
            "22/11-2026",
            "22/11/2026/1",
            "2026-11-22Tmidi",
            "2026-11-22T25:00",
            "2026-11-22T08:00+2",
            "22 novembre 2026",
            "20261122",
            "+2/11/2026",
            "2026-11-22 midi",
        ] {
            assert_eq!(parse_date(input), None, "{input:?}");
        }
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("1,5"), Some(1.5));
        assert_eq!(parse_decimal("1.5"), Some(1.5));
        assert_eq!(parse_decimal("1 234,5"), Some(1234.5));
        assert_eq!(parse_decimal("1\u{A0}234,5"), Some(1234.5));
        assert_eq!(
            parse_decimal("1\u{202F}234\u{202F}567,25"),
            Some(1_234_567.25)
        );
        assert_eq!(parse_decimal("-4,25"), Some(-4.25));
        assert_eq!(parse_decimal(" +12 "), Some(12.0));
        assert_eq!(parse_decimal("0,05"), Some(0.05));
        assert_eq!(parse_decimal("35"), Some(35.0));
    }

    #[test]
    fn decimals_refused() {
        for input in [
            "", " ", "abc", "1,2,3", "1.234,5", "1,", ",5", "-", "- 4", "1 23", "1234 567",
            "1  234", "12 €", "1e5", "NaN", "inf", "0x10",
        ] {
            assert_eq!(parse_decimal(input), None, "{input:?}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer("12"), Some(12));
        assert_eq!(parse_integer(" 12 "), Some(12));
        assert_eq!(parse_integer("1 200"), Some(1200));
        assert_eq!(parse_integer("1\u{A0}200"), Some(1200));
        assert_eq!(parse_integer("-3"), Some(-3));
        assert_eq!(parse_integer("007"), Some(7));
        assert_eq!(parse_integer("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn integers_refused() {
        for input in [
            "",
            "12,0",
            "12.5",
            "1.200",
            "abc",
            "1 20",
            "9223372036854775808",
            "12 ans",
        ] {
            assert_eq!(parse_integer(input), None, "{input:?}");
        }
    }
}
