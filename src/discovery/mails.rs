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

template! {
    /// A company answers a school's need with a proposal.
    pub struct NeedProposal<'a> {
        pub company: &'a str,
        pub class_name: &'a str,
        /// The kind of action proposed, as people read it.
        pub kind: &'a str,
        pub date: String,
        /// The company's message, empty when none.
        pub message: &'a str,
        pub need_id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/discovery/need_proposal.txt",
    html = "mail/discovery/need_proposal.html",
    subject(&self) { format!("Une proposition pour « {} »", self.class_name) }
}

template! {
    /// The school accepted (the action is confirmed) or declined a company's proposal.
    pub struct ProposalDecided<'a> {
        pub school: &'a str,
        pub class_name: &'a str,
        pub accepted: bool,
        pub date: String,
        /// The confirmed request, when accepted.
        pub request_id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/discovery/proposal_decided.txt",
    html = "mail/discovery/proposal_decided.html",
    subject(&self) {
        if self.accepted {
            format!("Proposition acceptée : « {} » le {}", self.class_name, self.date)
        } else {
            format!("Proposition non retenue : « {} »", self.class_name)
        }
    }
}

template! {
    /// A chamber or a branch entered an action on the company's behalf.
    pub struct EnteredForYou<'a> {
        /// The chamber or branch.
        pub by: &'a str,
        pub action_title: &'a str,
        pub action_id: &'a str,
        pub base_url: &'a str,
    }
    text = "mail/discovery/entered_for_you.txt",
    html = "mail/discovery/entered_for_you.html",
    subject(&self) { format!("{} a saisi une action de découverte pour vous", self.by) }
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

    #[test]
    fn need_proposal() {
        let mail = NeedProposal {
            company: "Boulangerie Dupont",
            class_name: "2de Bac pro Commerce",
            kind: "Visite d’entreprise",
            date: "22/11/2026".to_owned(),
            message: "Le matin, <de 8 h à 10 h>.",
            need_id: "0190-need",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn proposal_accepted() {
        let mail = ProposalDecided {
            school: "Collège Jean Zay",
            class_name: "2de Bac pro Commerce",
            accepted: true,
            date: "22/11/2026".to_owned(),
            request_id: "0190-request",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn proposal_declined() {
        let mail = ProposalDecided {
            school: "Collège Jean Zay",
            class_name: "2de Bac pro Commerce",
            accepted: false,
            date: "22/11/2026".to_owned(),
            request_id: "",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn entered_for_you() {
        let mail = EnteredForYou {
            by: "CCI Ille-et-Vilaine",
            action_title: "Visite de l’atelier",
            action_id: "0190-action",
            base_url: BASE,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
