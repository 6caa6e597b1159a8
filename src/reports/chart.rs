//! Bar charts drawn on the server as SVG (through a template, so every text is escaped), each
//! one above the table that holds its numbers. Each label stands on its own line above its bar,
//! so that labels keep a legible size when the chart narrows (phones) and long names are not cut.

use super::table::Table;

/// Geometry of one bar.
pub struct Bar {
    pub label: String,
    pub value: String,
    /// Baseline of the label, above the bar.
    pub label_y: u32,
    /// Top of the bar.
    pub y: u32,
    /// Baseline of the value, after the bar.
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

/// Longest bar, in SVG units (pixels at the chart's natural width).
pub const BAR_SPACE: u32 = 400;
/// Room after the longest bar for its value.
const VALUE_SPACE: u32 = 90;
/// One row: a label line (15 px text), then an 18 px bar, then a gap.
const ROW: u32 = 48;
/// Labels longer than this are cut (the table holds them whole).
const LABEL_CHARS: usize = 60;

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
                let top = i as u32 * ROW;
                Bar {
                    label: shorten(label, LABEL_CHARS),
                    value: shown.clone(),
                    label_y: top + 16,
                    y: top + 22,
                    text_y: top + 36,
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
            height: bars.len() as u32 * ROW,
            bars,
        })
    }

    pub fn width(&self) -> u32 {
        BAR_SPACE + VALUE_SPACE
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::table::Cell;

    fn table(rows: &[(&str, i64)]) -> Table {
        let mut table = Table::new("t", "Offres", &["Département", "Offres"]).with_chart(1);
        for (label, n) in rows {
            table.push(vec![Cell::text(*label), Cell::Int(*n)]);
        }
        table.push(vec![
            Cell::text("Total"),
            Cell::Int(rows.iter().map(|r| r.1).sum()),
        ]);
        table
    }

    #[test]
    fn each_label_stands_above_its_bar_and_bars_are_proportional() {
        let chart = Chart::of(&table(&[
            ("Ille-et-Vilaine (35)", 40),
            ("Côtes-d’Armor (22)", 10),
        ]))
        .unwrap();
        assert_eq!(chart.bars.len(), 2, "the Total row is not drawn");
        let (a, b) = (&chart.bars[0], &chart.bars[1]);
        assert_eq!(a.label, "Ille-et-Vilaine (35)");
        assert_eq!(a.width, BAR_SPACE);
        assert_eq!(b.width, BAR_SPACE / 4);
        assert!(
            a.label_y < a.y && a.y < a.text_y,
            "label, then bar and value"
        );
        assert!(a.text_y < b.label_y, "rows do not overlap");
        assert!(b.text_y <= chart.height);
        assert_eq!(
            chart.summary,
            "Graphique en barres, les valeurs sont dans le tableau. Valeur la plus élevée : Ille-et-Vilaine (35) (40)."
        );
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        let long = "Fabrication de produits informatiques, électroniques et optiques (26)";
        let chart = Chart::of(&table(&[(long, 3)])).unwrap();
        assert_eq!(chart.bars[0].label.chars().count(), LABEL_CHARS);
        assert!(chart.bars[0].label.ends_with('…'));
    }
}
