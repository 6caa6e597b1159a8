//! The mails of partners' proposals: the editors' decision, told to the proposing partner.

use crate::mail::template;

template! {
    /// An editor published a partner's proposal.
    pub struct ProposalPublished<'a> {
        pub title: &'a str,
        /// « Actualité », « Portes ouvertes »…
        pub kind: &'a str,
        /// Where it is published (`/actualites/<slug>`, `/agenda?mois=…`).
        pub path: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/content/proposal_published.txt",
    html = "mail/content/proposal_published.html",
    subject(&self) { format!("Votre proposition « {} » est publiée", self.title) }
}

template! {
    /// An editor refused a partner's proposal, with a reason.
    pub struct ProposalRefused<'a> {
        pub title: &'a str,
        pub kind: &'a str,
        pub reason: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/content/proposal_refused.txt",
    html = "mail/content/proposal_refused.html",
    subject(&self) { format!("Votre proposition « {} » n’est pas publiée", self.title) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BASE: &str = "https://passerelle.example";

    #[test]
    fn proposal_published() {
        let mail = ProposalPublished {
            title: "Portes ouvertes du CFA <des métiers>",
            kind: "Portes ouvertes",
            path: "/agenda?mois=2026-11",
            id: "0190-proposal",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn proposal_refused() {
        let mail = ProposalRefused {
            title: "Job-dating de la restauration",
            kind: "Job-dating",
            reason: "La date du 22/11/2026 est déjà passée.\nProposez <une autre date> !",
            id: "0190-proposal",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
