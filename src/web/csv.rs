//! The one CSV writer of every export and report: `;` between cells, UTF-8 with a byte order
//! mark (French spreadsheets then show accents), a header row, and every cell made safe to
//! open in a spreadsheet. Exporters hand it their rows as text; none of them writes CSV itself,
//! so none can forget a cell.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV document being written.
pub struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
}

impl CsvWriter {
    /// A document: the byte order mark, then the header row.
    pub fn new<I, S>(header: I) -> AppResult<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut writer = Self::writer(BOM.to_vec());
        writer.row(header)?;
        Ok(writer)
    }

    /// The rest of a document sent in pieces (a streamed export): rows only, after a first
    /// piece written with [`CsvWriter::new`].
    pub fn continued() -> Self {
        Self::writer(Vec::new())
    }

    fn writer(start: Vec<u8>) -> Self {
        Self {
            out: csv::WriterBuilder::new()
                .delimiter(b';')
                .has_headers(false)
                .from_writer(start),
        }
    }

    /// One row; each cell is made safe (see [`safe_cell`]).
    pub fn row<I, S>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for cell in cells {
            self.out
                .write_field(safe_cell(cell.as_ref()).as_bytes())
                .map_err(AppError::internal)?;
        }
        // An empty iterator ends the record of the fields written above.
        self.out
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(AppError::internal)
    }

    /// An empty line (between two tables of one document).
    pub fn blank_line(&mut self) -> AppResult<()> {
        let mut bytes = std::mem::replace(self, Self::writer(Vec::new())).finish()?;
        bytes.push(b'\n');
        *self = Self::writer(bytes);
        Ok(())
    }

    /// The bytes written.
    pub fn finish(self) -> AppResult<Vec<u8>> {
        self.out.into_inner().map_err(AppError::internal)
    }
}

/// A CSV document as a download named `filename`.
pub fn attachment(filename: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{}\"", filename.replace('"', ""));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Whether a spreadsheet would read this text as a formula: it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return and is not a plain number (`-2`, `-1.67`, `3,5` are values).
pub fn is_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(text)
}

fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let mut parts = digits.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A cell safe to open in a spreadsheet: a formula is prefixed with an apostrophe so that it
/// is shown as text and never run.
pub fn safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_never_run() {
        for dangerous in [
            "=1+1", "+33 6", "-2+3", "@SUM(A1)", "\t=x", "\r=x", "-", "-1,",
        ] {
            assert!(safe_cell(dangerous).starts_with('\''), "{dangerous}");
        }
        assert_eq!(safe_cell("=SOMME(A1:A2)"), "'=SOMME(A1:A2)");
        assert_eq!(safe_cell("Rennes"), "Rennes");
        assert_eq!(safe_cell("Boulangère"), "Boulangère");
        for number in ["-2", "-1.67", "3,5", "12"] {
            assert_eq!(safe_cell(number), number);
        }
    }

    #[test]
    fn documents_have_a_bom_a_header_and_safe_cells() {
        let mut w = CsvWriter::new(["Nom", "Objet"]).unwrap();
        w.row(["Enora", "=HYPERLINK(\"http://x\")"]).unwrap();
        w.row(["Zoé; la", "-4"]).unwrap();
        let bytes = w.finish().unwrap();
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[BOM.len()..].to_vec()).unwrap();
        assert_eq!(
            text,
            "Nom;Objet\nEnora;\"'=HYPERLINK(\"\"http://x\"\")\"\n\"Zoé; la\";-4\n"
        );
        let mut two = CsvWriter::new(["A"]).unwrap();
        two.blank_line().unwrap();
        two.row(["B"]).unwrap();
        assert_eq!(&two.finish().unwrap()[BOM.len()..], b"A\n\nB\n");
        let mut rest = CsvWriter::continued();
        rest.row(["@x"]).unwrap();
        assert_eq!(rest.finish().unwrap(), b"'@x\n");
    }
}
