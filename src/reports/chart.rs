//! Bar charts drawn on the server as SVG (through a template, so every text is escaped), each
//! one beside the table that holds its numbers.

use super::table::Table;

/// Geometry of one bar.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub text_y: u32,
    /// Bar length in SVG units (0 to [`BAR_SPACE`]).
    pub width: u32,
}

/// A horizontal bar chart of one column of a table.
pub struct Chart {
    /// Unique id prefix in the page (for `aria-labelledby`).
    pub id: String,
    pub title: String,
    /// A sentence for screen readers: the largest value.
    pub summary: String,
    pub bars: Vec<Bar>,
    pub height: u32,
}

pub const LABEL_SPACE: u32 = 260;
pub const BAR_SPACE: u32 = 260;
const ROW: u32 = 26;

impl Chart {
    /// The chart of a table's chart column (rows without a number, and totals, are left out).
    pub fn of(table: &Table) -> Option<Chart> {
        let column = table.chart?;
        let points: Vec<(String, f64, String)> = table
            .rows
            .iter()
            .filter_map(|row| {
                let label = row.first()?.display();
                if label == "Total" {
                    return None;
                }
                let cell = row.get(column)?;
                Some((label, cell.number()?, cell.display()))
            })
            .collect();
        if points.is_empty() {
            return None;
        }
        let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
        let bars: Vec<Bar> = points
            .iter()
            .enumerate()
            .map(|(i, (label, value, shown))| {
                let y = i as u32 * ROW + 4;
                Bar {
                    label: shorten(label, 38),
                    value: shown.clone(),
                    y,
                    text_y: y + 15,
                    width: if max > 0.0 {
                        ((value / max) * f64::from(BAR_SPACE)).round() as u32
                    } else {
                        0
                    },
                }
            })
            .collect();
        let top = points
            .iter()
            .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
            .map(|p| format!("Valeur la plus élevée : {} ({}).", p.0, p.2))
            .unwrap_or_default();
        Some(Chart {
            id: format!("graphique-{}", table.key),
            title: format!("{} : {}", table.title, table.columns[column].to_lowercase()),
            summary: format!("Graphique en barres, les valeurs sont dans le tableau. {top}"),
            height: bars.len() as u32 * ROW + 8,
            bars,
        })
    }

    pub fn bar_x(&self) -> u32 {
        LABEL_SPACE
    }

    pub fn width(&self) -> u32 {
        LABEL_SPACE + BAR_SPACE + 90
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
