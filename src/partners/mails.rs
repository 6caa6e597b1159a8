//! The mail of partners: what the regional administrators have to follow up.

use crate::mail::template;

template! {
    /// The follow-up points of the day (agreements ending, unpaid contributions…).
    pub struct FollowUp<'a> {
        /// The day, `22/11/2026`.
        pub today: String,
        /// One point each, its link on a second line.
        pub items: &'a [String],
        pub base_url: &'a str,
    }
    text = "mail/partners/follow_up.txt",
    html = "mail/partners/follow_up.html",
    subject(&self) {
        format!(
            "Partenaires : {} à suivre",
            crate::web::french::plural(self.items.len(), "point", "points")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn follow_up() {
        let items = vec![
            "Convention de Boulangerie <Dupont> : se termine le 31/12/2026.\n  https://passerelle.example/admin/partenaires/0190-a".to_owned(),
            "Cotisation 2026 de CFA du Loiret impayée : 150,00 € attendus depuis le 22/11/2026.\n  https://passerelle.example/admin/partenaires/0190-b".to_owned(),
        ];
        let mail = FollowUp {
            today: "22/11/2026".to_owned(),
            items: &items,
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
