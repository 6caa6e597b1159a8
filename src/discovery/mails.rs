//! The mails of discovery actions: a request to the company, and each step to the other side.

use crate::mail::template;

template! {
    /// A school asks a company for one of its actions.
    pub struct Requested<'a> {
        pub teacher: String,
        pub school: &'a str,
        pub action_title: &'a str,
        pub size: i32,
        pub wished_dates: &'a str,
        /// The teacher's message, empty when none.
        pub message: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/discovery/requested.txt",
    html = "mail/discovery/requested.html",
    subject(&self) { format!("Nouvelle demande pour « {} »", self.action_title) }
}

template! {
    /// A step of a request, told to the other side.
    pub struct Update<'a> {
        pub action_title: &'a str,
        /// The new status's label.
        pub status: &'a str,
        /// What happened, one sentence.
        pub what: &'a str,
        /// The message that comes with the step, empty when none.
        pub message: &'a str,
        pub id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/discovery/update.txt",
    html = "mail/discovery/update.html",
    subject(&self) { format!("« {} » : {}", self.action_title, self.status.to_lowercase()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const BASE: &str = "https://passerelle.example";

    #[test]
    fn requested() {
        let mail = Requested {
            teacher: "Marc Durand".to_owned(),
            school: "Collège Jean Zay",
            action_title: "Visite de l’atelier",
            size: 12,
            wished_dates: "semaine du 22/11/2026",
            message: "Des élèves de 3e.\nMerci <d’avance> !",
            id: "0190-request",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn requested_without_message() {
        let mail = Requested {
            teacher: "Marc Durand".to_owned(),
            school: "Collège Jean Zay",
            action_title: "Visite de l’atelier",
            size: 12,
            wished_dates: "semaine du 22/11/2026",
            message: "",
            id: "0190-request",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn update() {
        let mail = Update {
            action_title: "Visite de l’atelier",
            status: "Date proposée",
            what: "Boulangerie Dupont propose une autre date : le 22/11/2026.",
            message: "Le matin seulement.",
            id: "0190-request",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn update_without_message() {
        let mail = Update {
            action_title: "Visite de l’atelier",
            status: "Acceptée",
            what: "Boulangerie Dupont accepte votre demande.",
            message: "",
            id: "0190-request",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
