//! Department names, straight from the embedded `departments.csv`: pages show « Ille-et-Vilaine
//! (35) », never a bare code, and a regional instance's territory menus list its own
//! departments only. The table is small and fixed, so it is read once per process.

use std::sync::OnceLock;

use super::store::Department;

/// Code of a national instance's territory (`PASSERELLE_TERRITORY=FR`).
pub const NATIONAL: &str = "FR";

fn all() -> &'static [Department] {
    static ALL: OnceLock<Vec<Department>> = OnceLock::new();
    ALL.get_or_init(|| {
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(super::load::DEPARTMENTS.as_bytes())
            .records()
            .filter_map(Result::ok)
            .map(|r| Department {
                code: r.get(0).unwrap_or_default().to_owned(),
                name: r.get(1).unwrap_or_default().to_owned(),
                region_code: r.get(2).unwrap_or_default().to_owned(),
            })
            .collect()
    })
}

/// The name of a department (`35` → `Ille-et-Vilaine`), `None` for an unknown code.
pub fn name(code: &str) -> Option<&'static str> {
    all()
        .iter()
        .find(|d| d.code.eq_ignore_ascii_case(code.trim()))
        .map(|d| d.name.as_str())
}

/// « Ille-et-Vilaine (35) »; an unknown code is shown as it is.
pub fn label(code: &str) -> String {
    match name(code) {
        Some(name) => format!("{name} ({})", code.trim()),
        None => code.to_owned(),
    }
}

/// The departments of a territory (an INSEE region code, or [`NATIONAL`]), in code order.
pub fn of_territory(territory: &str) -> Vec<Department> {
    all()
        .iter()
        .filter(|d| territory.eq_ignore_ascii_case(NATIONAL) || d.region_code == territory)
        .cloned()
        .collect()
}

/// Whether a code names a department of the territory.
pub fn in_territory(territory: &str, code: &str) -> bool {
    of_territory(territory).iter().any(|d| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_territories() {
        assert_eq!(name("35"), Some("Ille-et-Vilaine"));
        assert_eq!(name("2a"), Some("Corse-du-Sud"));
        assert_eq!(label("29"), "Finistère (29)");
        assert_eq!(label("XX"), "XX");
        let brittany: Vec<String> = of_territory("53").into_iter().map(|d| d.code).collect();
        assert_eq!(brittany, ["22", "29", "35", "56"]);
        assert!(of_territory("FR").len() > 100);
        assert!(of_territory("99").is_empty());
        assert!(in_territory("53", "56") && !in_territory("53", "44"));
    }
}
