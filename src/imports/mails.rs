//! The mail of imports: the person who sent a file learns how its run went.

use crate::mail::template;

template! {
    /// A run is over: what it did, and where its detail is.
    pub struct Done<'a> {
        pub file_name: &'a str,
        /// The run's status, its French label.
        pub status: &'a str,
        /// The import profile's identifier.
        pub profile: &'a str,
        /// What the run did, in a sentence.
        pub summary: String,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/imports/done.txt",
    html = "mail/imports/done.html",
    subject(&self) { format!("Import « {} » : {}", self.file_name, self.status) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn done() {
        let mail = Done {
            file_name: "offres<2026>.csv",
            status: "Terminé",
            profile: "cfa-loiret",
            summary: "12 lignes lues : 10 créées, 1 modifiée, 1 refusée.".to_owned(),
            id: "0190-run",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
