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
        }
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
