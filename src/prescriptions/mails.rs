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
}
