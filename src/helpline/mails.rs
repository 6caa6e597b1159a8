//! The mails of the information line: to the person who asked (threaded), to the partner a
//! request is routed to, and the reminders of the 2-working-day commitment.

use super::service::LINE_NAME;
use crate::mail::template;

template! {
    /// Tells the requester about their request; they answer by replying.
    pub struct ToRequester<'a> {
        /// The request's tag, `[CI-2026-0001]`.
        pub tag: String,
        /// What the mail is about, put in its subject.
        pub what: &'a str,
        pub name: Option<&'a str>,
        pub text: &'a str,
        /// The request's subject.
        pub question: &'a str,
        pub reference: &'a str,
    }
    text = "mail/helpline/to_requester.txt",
    html = "mail/helpline/to_requester.html",
    subject(&self) { format!("{} {} – {LINE_NAME}", self.tag, self.what) }
}

template! {
    /// A request routed to a partner, with a personal link to answer without signing in.
    pub struct Routed<'a> {
        pub tag: String,
        pub topic: &'a str,
        pub question: &'a str,
        /// The officer's note to the partner.
        pub note: Option<&'a str>,
        /// When the answer is due, as people read it.
        pub due: &'a str,
        pub secret: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/helpline/routed.txt",
    html = "mail/helpline/routed.html",
    subject(&self) { format!("{} Demande d’information transmise par {LINE_NAME}", self.tag) }
}

template! {
    /// A request has waited 24 working hours.
    pub struct Reminder<'a> {
        pub tag: String,
        pub subject: &'a str,
        pub due: &'a str,
        pub link: &'a str,
    }
    text = "mail/helpline/reminder.txt",
    html = "mail/helpline/reminder.html",
    subject(&self) { format!("{} Relance : demande sans réponse, plus qu’un jour ouvré pour répondre", self.tag) }
}

template! {
    /// A request is past its 48 working hours: the supervisors learn who holds it.
    pub struct Escalation<'a> {
        pub tag: String,
        pub subject: &'a str,
        pub holder: &'a str,
        pub link: &'a str,
    }
    text = "mail/helpline/escalation.txt",
    html = "mail/helpline/escalation.html",
    subject(&self) { format!("{} Délai de 2 jours ouvrés dépassé", self.tag) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const TAG: &str = "[CI-2026-0042]";
    const LINK: &str = "https://passerelle.example/cap-info/demandes/0190-request";

    #[test]
    fn to_requester() {
        let mail = ToRequester {
            tag: TAG.to_owned(),
            what: "Réponse à votre demande",
            name: Some("Léa <Martin>"),
            text: "Voici la réponse :\nles aides sont cumulables & versées chaque mois.",
            question: "Aides <à l’embauche>",
            reference: "CI-2026-0042",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn to_requester_without_name() {
        let mail = ToRequester {
            tag: TAG.to_owned(),
            what: "Demande reçue",
            name: None,
            text: "Nous avons bien reçu votre demande.",
            question: "Aides à l’embauche",
            reference: "CI-2026-0042",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn routed() {
        let mail = Routed {
            tag: TAG.to_owned(),
            topic: "Apprentissage",
            question: "Quelles aides pour <embaucher> un apprenti ?",
            note: Some("Personne pressée."),
            due: "24/11/2026 à 17:00",
            secret: "s3cr3t",
            id: "0190-request",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn routed_without_note() {
        let mail = Routed {
            tag: TAG.to_owned(),
            topic: "Apprentissage",
            question: "Quelles aides pour embaucher un apprenti ?",
            note: None,
            due: "24/11/2026 à 17:00",
            secret: "s3cr3t",
            id: "0190-request",
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn reminder() {
        let mail = Reminder {
            tag: TAG.to_owned(),
            subject: "Aides à l’embauche",
            due: "24/11/2026 à 17:00",
            link: LINK,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn escalation() {
        let mail = Escalation {
            tag: TAG.to_owned(),
            subject: "Aides à l’embauche",
            holder: "CCI du Loiret",
            link: LINK,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
