//! The one shape every figure takes: a titled table of cells, shown as HTML (with its chart),
//! downloaded as CSV or XLSX. A cell that cannot be computed from the data says why.

use serde::Serialize;

/// One cell of a report table. In JSON: a string, a number, or
/// `{"non_calculable": "why"}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share or an average, with the number of decimals to show.
    Num(f64),
    /// Not computable from the data: the reason, in French.
    Missing(String),
}

/// How a [`Cell`] reads in JSON, for the API document only: a text, a number, or an object
/// saying why the figure cannot be computed.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = ReportCell)]
#[allow(dead_code)]
enum CellDoc {
    Text(String),
    Number(f64),
    Missing {
        /// Why the figure cannot be computed, in French.
        non_calculable: String,
    },
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Cell::Text(t) => serializer.serialize_str(t),
            Cell::Int(i) => serializer.serialize_i64(*i),
            Cell::Num(n) => serializer.serialize_f64(*n),
            Cell::Missing(reason) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("non_calculable", reason)?;
                map.end()
            }
        }
    }
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    pub fn missing(reason: impl Into<String>) -> Self {
        Cell::Missing(reason.into())
    }

    /// A percentage of `part` in `whole` (one decimal), or why not.
    pub fn share(part: i64, whole: i64) -> Self {
        if whole == 0 {
            Cell::missing("aucune donnée sur la période")
        } else {
            Cell::Num((part as f64 * 1000.0 / whole as f64).round() / 10.0)
        }
    }

    /// A number of days (one decimal), or why not.
    pub fn days(value: Option<f64>) -> Self {
        match value {
            Some(v) => Cell::Num((v * 10.0).round() / 10.0),
            None => Cell::missing("aucune donnée sur la période"),
        }
    }

    /// As shown to people (French number format).
    pub fn display(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(i) => group_thousands(*i),
            Cell::Num(n) => format!("{n:.1}").replace('.', ","),
            Cell::Missing(reason) => format!("non calculable ({reason})"),
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Cell::Missing(_))
    }
}

/// `12345` → `12 345` (narrow no-break space, as French typography wants).
pub fn group_thousands(value: i64) -> String {
    crate::web::french::number(value)
}

/// A titled table; `chart` names the column drawn as bars (labels from the first column).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Table {
    /// Stable identifier, used in download addresses (`offres-par-statut`).
    pub key: String,
    pub title: String,
    pub columns: Vec<String>,
    #[schema(value_type = Vec<Vec<CellDoc>>)]
    pub rows: Vec<Vec<Cell>>,
    /// Index of the numeric column drawn as a bar chart, if any.
    pub chart: Option<usize>,
    /// A note under the table (definitions, sources).
    pub note: Option<String>,
    /// The table's key figure, shown before the tables (see [`Table::headline`]).
    #[serde(skip)]
    pub headline: Option<HeadlineSpec>,
    /// A short name for its spreadsheet sheet (31 characters at most), when the title is
    /// longer than a sheet name may be.
    #[serde(skip)]
    pub sheet: Option<&'static str>,
}

/// Where a table's key figure comes from, and what it counts (singular, plural).
#[derive(Clone, Debug)]
pub struct HeadlineSpec {
    /// The row holding it (in the chart column, else the second one); none: the sum of the
    /// chart column over the rows (a « Total » row left out).
    row: Option<&'static str>,
    one: &'static str,
    many: &'static str,
}

/// A table's key figure: its total and what it counts.
pub struct Headline {
    pub value: i64,
    pub label: &'static str,
    /// The table it sums up, for the link to it.
    pub key: String,
}

impl Table {
    pub fn new(key: &str, title: &str, columns: &[&str]) -> Self {
        Self {
            key: key.to_owned(),
            title: title.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            chart: None,
            note: None,
            headline: None,
            sheet: None,
        }
    }

    /// Names its spreadsheet sheet (28 characters at most, whole words).
    pub fn with_sheet(mut self, name: &'static str) -> Self {
        debug_assert!(name.chars().count() <= 28, "sheet name too long: {name}");
        self.sheet = Some(name);
        self
    }

    /// Makes the sum of the chart column the table's key figure, counting `one` / `many`.
    pub fn with_headline(mut self, one: &'static str, many: &'static str) -> Self {
        self.headline = Some(HeadlineSpec {
            row: None,
            one,
            many,
        });
        self
    }

    /// Makes the value of the row labelled `row` the table's key figure.
    pub fn with_headline_row(
        mut self,
        row: &'static str,
        one: &'static str,
        many: &'static str,
    ) -> Self {
        self.headline = Some(HeadlineSpec {
            row: Some(row),
            one,
            many,
        });
        self
    }

    /// The key figure, when the table declares one and its cells are whole numbers.
    pub fn headline(&self) -> Option<Headline> {
        let spec = self.headline.as_ref()?;
        let label = |row: &Vec<Cell>| match row.first() {
            Some(Cell::Text(t)) => t.clone(),
            _ => String::new(),
        };
        let value = match spec.row {
            Some(wanted) => {
                let row = self.rows.iter().find(|row| label(row) == wanted)?;
                match row.get(self.chart.unwrap_or(1))? {
                    Cell::Int(n) => *n,
                    _ => return None,
                }
            }
            None => {
                let column = self.chart?;
                let mut sum = 0;
                for row in self.rows.iter().filter(|row| label(row) != "Total") {
                    match row.get(column)? {
                        Cell::Int(n) => sum += n,
                        _ => return None,
                    }
                }
                sum
            }
        };
        Some(Headline {
            value,
            label: crate::web::french::agree(value, spec.one, spec.many),
            key: self.key.clone(),
        })
    }

    pub fn with_chart(mut self, column: usize) -> Self {
        self.chart = Some(column);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}
