//! The mail of saved searches: the new offers that match one.

use crate::mail::template;

/// One offer of a digest.
pub struct DigestOffer {
    pub id: String,
    pub title: String,
    pub company: String,
    /// Where, as people read it.
    pub place: String,
}

template! {
    /// The offers published since the last digest of a saved search.
    pub struct Digest<'a> {
        /// The saved search's name.
        pub name: &'a str,
        pub offers: Vec<DigestOffer>,
        pub base_url: &'a str,
    }
    text = "mail/basket/digest.txt",
    html = "mail/basket/digest.html",
    subject(&self) {
        format!(
            "{} pour « {} »",
            crate::web::french::plural(self.offers.len(), "nouvelle offre", "nouvelles offres"),
            self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Template;

    #[test]
    fn digest() {
        let offer = |id: &str, title: &str| DigestOffer {
            id: id.to_owned(),
            title: title.to_owned(),
            company: "Boulangerie <Dupont> & fils".to_owned(),
            place: "Orléans (45000)".to_owned(),
        };
        let mail = Digest {
            name: "Boulangerie près d’Orléans",
            offers: vec![
                offer("0190-a", "Boulanger·ère"),
                offer("0190-b", "Pâtissier·ère"),
            ],
            base_url: "https://passerelle.example",
        };
        insta::assert_snapshot!(mail.render().unwrap().preview());
    }
}
