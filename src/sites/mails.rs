//! The mails of the sites: registration to an event confirmed or cancelled; a yearly action
//! plan reviewed by the regional team.

use crate::mail::template;

template! {
    /// A person registered to an event; the mail carries their cancellation link.
    pub struct Registered<'a> {
        pub name: &'a str,
        pub title: &'a str,
        /// The kind of event, its French label.
        pub kind: &'a str,
        /// When, as people read it.
        pub when: String,
        pub cancel_path: String,
        pub base_url: &'a str,
    }
    text = "mail/sites/registered.txt",
    html = "mail/sites/registered.html",
    subject(&self) { format!("Inscription confirmée : {}", self.title) }
}

template! {
    /// A person cancelled their registration.
    pub struct Cancelled<'a> {
        pub name: &'a str,
        pub title: &'a str,
        pub when: String,
    }
    text = "mail/sites/cancelled.txt",
    html = "mail/sites/cancelled.html",
    subject(&self) { format!("Inscription annulée : {}", self.title) }
}

template! {
    /// The regional team reviewed a site's action plan: validated, or to revise with a reason.
    pub struct PlanReviewed<'a> {
        pub site: &'a str,
        pub year: i32,
        pub validated: bool,
        pub comment: &'a str,
        pub plan_path: String,
        pub base_url: &'a str,
    }
    text = "mail/sites/plan_reviewed.txt",
    html = "mail/sites/plan_reviewed.html",
    subject(&self) {
        if self.validated {
            format!("Plan d’action {} validé : {}", self.year, self.site)
        } else {
            format!("Plan d’action {} à revoir : {}", self.year, self.site)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn registered() {
        let mail = Registered {
            name: "Léa <Martin>",
            title: "Forum de l’alternance",
            kind: "Forum",
            when: "22/11/2026 de 14:00 à 17:00".to_owned(),
            cancel_path: "/evenements/annulation/s3cr3t".to_owned(),
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn cancelled() {
        let mail = Cancelled {
            name: "Léa Martin",
            title: "Forum de l’alternance",
            when: "22/11/2026 de 14:00 à 17:00".to_owned(),
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn plan_reviewed() {
        let mail = PlanReviewed {
            site: "Espace Métiers de Saint-Brieuc",
            year: 2027,
            validated: false,
            comment: "Précisez les partenaires des ateliers <collège>.",
            plan_path: "/espaces-metiers/abc/plan?annee=2027".to_owned(),
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
