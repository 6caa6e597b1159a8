//! The mails of the programme's sessions: registration confirmed, waiting list, seat freed.

use crate::mail::template;

template! {
    /// The registration has a seat.
    pub struct Confirmed<'a> {
        pub first_name: &'a str,
        pub title: &'a str,
        /// The session's days, `22/11/2026, 23/11/2026`.
        pub days: String,
        pub place: &'a str,
        /// The session's page.
        pub link: &'a str,
    }
    text = "mail/programme/confirmed.txt",
    html = "mail/programme/confirmed.html",
    subject(&self) { format!("Inscription confirmée : {}", self.title) }
}

template! {
    /// The session is full: the person waits, at a position.
    pub struct Waiting<'a> {
        pub first_name: &'a str,
        pub title: &'a str,
        /// The session's first day, `22/11/2026`.
        pub first_day: String,
        pub position: i64,
        pub link: &'a str,
    }
    text = "mail/programme/waiting.txt",
    html = "mail/programme/waiting.html",
    subject(&self) { format!("Liste d’attente : {}", self.title) }
}

template! {
    /// A seat was freed for the first person waiting, now registered.
    pub struct SeatFreed<'a> {
        pub first_name: &'a str,
        pub title: &'a str,
        pub days: String,
        pub place: &'a str,
        pub link: String,
    }
    text = "mail/programme/seat_freed.txt",
    html = "mail/programme/seat_freed.html",
    subject(&self) { format!("Une place s’est libérée : {}", self.title) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    const LINK: &str = "https://passerelle.example/programme/sessions/0190-session";

    #[test]
    fn confirmed() {
        let mail = Confirmed {
            first_name: "Léa",
            title: "Accueillir un·e apprenti·e",
            days: "22/11/2026, 23/11/2026".to_owned(),
            place: "Orléans, salle <A> & B",
            link: LINK,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn waiting() {
        let mail = Waiting {
            first_name: "Léa",
            title: "Accueillir un·e apprenti·e",
            first_day: "22/11/2026".to_owned(),
            position: 2,
            link: LINK,
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }

    #[test]
    fn seat_freed() {
        let mail = SeatFreed {
            first_name: "Léa",
            title: "Accueillir un·e apprenti·e",
            days: "22/11/2026, 23/11/2026".to_owned(),
            place: "Orléans",
            link: LINK.to_owned(),
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
