//! Report tables as CSV (the product's one CSV writer, `web::csv`) and XLSX (one sheet per
//! table). Text that a spreadsheet would run as a formula is shown as text in both.

use rust_xlsxwriter::{Format, Workbook};

use super::table::{Cell, Table};
use crate::error::{AppError, AppResult};

use crate::web::csv::{CsvWriter, is_formula};

fn csv_value(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(n) => format!("{n}").replace('.', ","),
        Cell::Missing(reason) => format!("non calculable ({reason})"),
    }
}

/// Tables as one CSV document, an empty line between two tables.
pub fn csv(tables: &[Table]) -> AppResult<Vec<u8>> {
    let mut out: Option<CsvWriter> = None;
    for table in tables {
        match out.as_mut() {
            None => out = Some(CsvWriter::new(&table.columns)?),
            Some(w) => {
                w.blank_line()?;
                w.row(&table.columns)?;
            }
        }
        let w = out.as_mut().expect("set just above");
        for row in &table.rows {
            w.row(row.iter().map(csv_value))?;
        }
    }
    match out {
        Some(w) => w.finish(),
        None => CsvWriter::new([""; 0])?.finish(),
    }
}

/// Sheet names: 31 characters at most, no `[]:*?/\`, unique.
fn sheet_name(title: &str, taken: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    // 28 characters leave room for « 2 », « 3 »… ; a long title is cut between words.
    let clean = clean.trim();
    let base: String = if clean.chars().count() <= 28 {
        clean.to_owned()
    } else {
        let mut kept = String::new();
        for word in clean.split_whitespace() {
            let next = if kept.is_empty() {
                word.to_owned()
            } else {
                format!("{kept} {word}")
            };
            if next.chars().count() > 28 {
                break;
            }
            kept = next;
        }
        // Keep a cut title from ending on a small word (« par », « et », « de »…).
        while let Some((head, last)) = kept.rsplit_once(' ') {
            if last.chars().count() <= 3 || last.ends_with('’') {
                kept = head.to_owned();
            } else {
                break;
            }
        }
        if kept.is_empty() {
            clean.chars().take(28).collect()
        } else {
            kept
        }
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// Tables as one XLSX workbook, a sheet per table (title, headers, rows, note).
pub fn xlsx(tables: &[Table]) -> AppResult<Vec<u8>> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    let decimal = Format::new().set_num_format("0.0");
    let mut taken = Vec::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(sheet_name(table.sheet.unwrap_or(&table.title), &mut taken))
            .map_err(AppError::internal)?;
        sheet
            .write_string_with_format(0, 0, &table.title, &bold)
            .map_err(AppError::internal)?;
        for (c, column) in table.columns.iter().enumerate() {
            let col = u16::try_from(c).map_err(AppError::internal)?;
            sheet
                .write_string_with_format(2, col, column, &bold)
                .map_err(AppError::internal)?;
            sheet
                .set_column_width(col, if c == 0 { 36 } else { 18 })
                .map_err(AppError::internal)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let line = u32::try_from(r + 3).map_err(AppError::internal)?;
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(AppError::internal)?;
                match cell {
                    Cell::Text(t) if is_formula(t) => {
                        sheet.write_string_with_format(line, col, t, &quoted)
                    }
                    Cell::Text(t) => sheet.write_string(line, col, t),
                    Cell::Int(i) => sheet.write_number(line, col, *i as f64),
                    Cell::Num(n) => sheet.write_number_with_format(line, col, *n, &decimal),
                    Cell::Missing(reason) => {
                        sheet.write_string(line, col, format!("non calculable ({reason})"))
                    }
                }
                .map_err(AppError::internal)?;
            }
        }
        if let Some(note) = &table.note {
            let line = u32::try_from(table.rows.len() + 4).map_err(AppError::internal)?;
            sheet
                .write_string(line, 0, note)
                .map_err(AppError::internal)?;
        }
    }
    workbook.save_to_buffer().map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        let mut table = Table::new("t", "Essai", &["Nom", "Valeur"]);
        table.push(vec![Cell::text("=HYPERLINK(\"http://x\")"), Cell::Int(-3)]);
        let text = String::from_utf8(csv(&[table]).unwrap()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        // Numbers stay numbers, even negative.
        assert!(text.contains(";-3"), "{text}");
    }

    #[test]
    fn sheet_names_are_short_and_unique() {
        let mut taken = Vec::new();
        let a = sheet_name("Offres par département et par statut [2026]", &mut taken);
        let b = sheet_name("Offres par département et par statut [2026]", &mut taken);
        assert!(a.chars().count() <= 31 && b.chars().count() <= 31);
        assert_ne!(a, b);
        assert!(!a.contains('['));
        // Cut between words, never inside one, nor after a small word.
        assert_eq!(a, "Offres par département");
        let c = sheet_name(
            "Parcours des personnes entrées en formation, par financeur",
            &mut taken,
        );
        assert_eq!(c, "Parcours des personnes");
        let d = sheet_name("Bénéficiaires par sexe", &mut taken);
        assert_eq!(d, "Bénéficiaires par sexe");
    }
}
