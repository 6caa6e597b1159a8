//! Spreadsheet-safe CSV cells for every export and report.

/// A cell safe to open in a spreadsheet: one starting with `=`, `+`, `-` or `@` is prefixed
/// with an apostrophe so that it is never run as a formula.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_never_run() {
        for dangerous in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\t=x", "\r=x"] {
            assert!(neutralise(dangerous).starts_with('\''), "{dangerous}");
        }
        assert_eq!(neutralise("=SOMME(A1:A2)"), "'=SOMME(A1:A2)");
        assert_eq!(neutralise("Rennes"), "Rennes");
        assert_eq!(neutralise("Boulangère"), "Boulangère");
    }
}
