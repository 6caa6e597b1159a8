//! The mail of pre-registrations: tells one side what the other did.

use crate::mail::template;

template! {
    /// A step of a pre-registration, told to the centre or the prescriber.
    pub struct Notice<'a> {
        /// What happened (the step's label), put before the training's title.
        pub what: &'a str,
        /// The paragraph that tells it.
        pub text: &'a str,
        pub title: &'a str,
        /// The session's start, as people read it.
        pub start: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/prescriptions/notice.txt",
    html = "mail/prescriptions/notice.html",
    subject(&self) { format!("{} – « {} »", self.what, self.title) }
}

template! {
    /// Six months after a training: the person is asked where they are now (single-use link).
    pub struct FollowupAsked<'a> {
        pub training: &'a str,
        pub link: &'a str,
        /// How many days the link stays valid.
        pub days: i64,
    }
    text = "mail/prescriptions/followup.txt",
    html = "mail/prescriptions/followup.html",
    subject(&self) { "Six mois après votre formation : où en êtes-vous ?".to_owned() }
}

template! {
    /// A month before a pre-registered person's data is erased (no activity for the retention
    /// the region set): whom to ask to keep it.
    pub struct ErasureWarning<'a> {
        pub first_name: &'a str,
        /// The agency that pre-registered them.
        pub agency: &'a str,
        /// The day of the erasure, as people read it.
        pub day: &'a str,
        /// The retention, in words (« 2 ans »).
        pub kept: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/prescriptions/erasure_warning.txt",
    html = "mail/prescriptions/erasure_warning.html",
    subject(&self) { "Vos données de pré-inscription seront bientôt effacées".to_owned() }
}

template! {
    /// A decision of the training centre told to the pre-registered person, when they agreed
    /// to be told by mail: in plain words, with whom to contact.
    pub struct PersonDecision<'a> {
        pub first_name: &'a str,
        /// What was decided, as a sentence to the person.
        pub decision: &'a str,
        /// The reason of a refusal, in words (the coded reason's label), if any.
        pub reason: Option<&'a str>,
        pub training: &'a str,
        /// The session's start, as people read it.
        pub start: &'a str,
        /// The training centre's name.
        pub centre: &'a str,
        /// The training's contact (name, phone, e-mail), each when the centre gave it.
        pub contact_name: Option<&'a str>,
        pub contact_phone: Option<&'a str>,
        pub contact_email: Option<&'a str>,
        /// The agency that pre-registered them.
        pub agency: &'a str,
        /// Short title of the decision, for the subject.
        pub what: &'a str,
    }
    text = "mail/prescriptions/person_decision.txt",
    html = "mail/prescriptions/person_decision.html",
    subject(&self) { format!("Votre pré-inscription à « {} » : {}", self.training, self.what) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn notice() {
        let mail = Notice {
            what: "Nouveau message",
            text: "Marc Durand a écrit :\n\nBonjour, <b>merci</b> & à bientôt.",
            title: "CAP Boulanger",
            start: "le 22/11/2026",
            id: "0190-prescription",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn followup_asked() {
        let mail = FollowupAsked {
            training: "CAP Boulanger <Rennes> & co",
            link: "https://passerelle.example/suivi?jeton=secret",
            days: 60,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn erasure_warning() {
        let mail = ErasureWarning {
            first_name: "Camille <b>",
            agency: "France Travail Rennes Est",
            day: "06/01/2027",
            kept: "2 ans",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn person_decision() {
        let mail = PersonDecision {
            first_name: "Camille <b>",
            decision: "L’organisme de formation n’a pas retenu votre candidature.",
            reason: Some("Session complète"),
            training: "CAP Boulanger <Rennes>",
            start: "le 05/01/2027",
            centre: "CFA des Métiers & de l’Artisanat",
            contact_name: Some("Accueil formation"),
            contact_phone: Some("02 99 00 00 00"),
            contact_email: Some("accueil@cfa.example"),
            agency: "France Travail Rennes Est",
            what: "candidature non retenue",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
