//! Index tests on a generated sample: French analysis, filters, distance, paging, sorting.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn sample_offers() -> &'static [OfferDoc] {
    static OFFERS: OnceLock<Vec<OfferDoc>> = OnceLock::new();
    OFFERS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bench/offers-sample.csv");
        bench::read_offers(&path)
            .unwrap()
            .collect::<anyhow::Result<Vec<_>>>()
            .unwrap()
    })
}

/// The 2,000 sample offers, indexed once for all the tests that only read.
fn sample_index() -> &'static OfferIndex {
    static INDEX: OnceLock<OfferIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = OfferIndex::in_memory().unwrap();
        let n = index
            .rebuild(sample_offers().iter().cloned(), |_| {})
            .unwrap();
        assert_eq!(n, 2000);
        index
    })
}

fn published(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn offer(id: &str, title: &str) -> OfferDoc {
    OfferDoc {
        id: id.to_owned(),
        title: title.to_owned(),
        description: String::new(),
        company_name: "Maison Test".to_owned(),
        rome_code: "D1102".to_owned(),
        naf_division: Some("10".to_owned()),
        contract_type: "apprentissage".to_owned(),
        level: 3,
        commune_insee: "35238".to_owned(),
        department: "35".to_owned(),
        lat: Some(48.11198),
        lon: Some(-1.67429),
        approximate_position: false,
        start_date: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        published_at: published("2026-06-01 10:00:00"),
        positions: 1,
    }
}

fn words(q: &str) -> OfferQuery {
    OfferQuery {
        q: Some(q.to_owned()),
        ..Default::default()
    }
}

fn ids(result: &SearchResult) -> Vec<&str> {
    result.hits.iter().map(|h| h.id.as_str()).collect()
}

fn small_index() -> OfferIndex {
    let index = OfferIndex::in_memory().unwrap();
    let mut docs = vec![
        offer("a", "Boulangère en apprentissage"),
        offer("b", "Cuisinier de collectivité"),
        offer("c", "Réceptionniste"),
        offer("d", "Vendeur en boulangerie"),
    ];
    docs[2].description = "Un hôtel recrute pour l'hôtellerie de plein air.".to_owned();
    docs[3].company_name = "Boulangerie Le Gall".to_owned();
    docs[3].description = "Vente de pain et de viennoiseries, conseil à la clientèle.".to_owned();
    index.upsert(&docs).unwrap();
    index
}

#[test]
fn french_words_match_accents_elision_and_plurals() {
    let index = small_index();
    assert_eq!(
        ids(&index.search(&words("boulangere"), false).unwrap()),
        ["a"]
    );
    assert_eq!(
        ids(&index.search(&words("BOULANGÈRE"), false).unwrap()),
        ["a"]
    );
    assert_eq!(
        ids(&index.search(&words("boulanger"), false).unwrap()),
        ["a"]
    );
    assert_eq!(
        ids(&index.search(&words("boulangerie"), false).unwrap()),
        ["d"]
    );
    assert_eq!(
        ids(&index.search(&words("l'hôtellerie"), false).unwrap()),
        ["c"]
    );
    assert_eq!(
        ids(&index.search(&words("l’hotellerie"), false).unwrap()),
        ["c"]
    );
    assert_eq!(
        ids(&index.search(&words("cuisiniers"), false).unwrap()),
        ["b"]
    );
    // Company name and description are searched too.
    assert_eq!(ids(&index.search(&words("le gall"), false).unwrap()), ["d"]);
    assert_eq!(
        ids(&index.search(&words("viennoiserie"), false).unwrap()),
        ["d"]
    );
    // Every word must match.
    assert_eq!(
        index
            .search(&words("cuisinier hôtellerie"), false)
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        ids(&index.search(&words("vendeur pain"), false).unwrap()),
        ["d"]
    );
    // Only stop words: no word constraint.
    assert_eq!(index.search(&words("le la les"), false).unwrap().total, 4);
}

#[test]
fn title_words_weigh_more() {
    let index = OfferIndex::in_memory().unwrap();
    let mut in_description = offer("desc", "Vendeur");
    in_description.description = "Vente en boulangerie, avec le boulanger.".to_owned();
    let in_title = offer("title", "Boulanger");
    index.upsert(&[in_description, in_title]).unwrap();
    let result = index.search(&words("boulanger"), false).unwrap();
    assert_eq!(ids(&result), ["title", "desc"]);
    assert!(result.hits[0].score > result.hits[1].score);
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = small_index();
    assert_eq!(index.len(), 4);
    let mut changed = offer("a", "Pâtissière");
    changed.level = 5;
    index.upsert(&[changed]).unwrap();
    assert_eq!(index.len(), 4);
    assert_eq!(
        ids(&index.search(&words("boulangère"), false).unwrap()),
        Vec::<&str>::new()
    );
    assert_eq!(
        ids(&index.search(&words("patissiere"), false).unwrap()),
        ["a"]
    );
    let level5 = OfferQuery {
        level: Some(5),
        ..Default::default()
    };
    assert_eq!(ids(&index.search(&level5, false).unwrap()), ["a"]);
    // The same id twice in one batch: the last one wins.
    index
        .upsert(&[offer("e", "Fleuriste"), offer("e", "Charcutier")])
        .unwrap();
    assert_eq!(index.len(), 5);
    assert_eq!(index.search(&words("fleuriste"), false).unwrap().total, 0);
    assert_eq!(
        ids(&index.search(&words("charcutier"), false).unwrap()),
        ["e"]
    );

    index.delete(&["a".to_owned(), "nope".to_owned()]).unwrap();
    assert_eq!(index.len(), 4);
    assert_eq!(index.search(&words("patissiere"), false).unwrap().total, 0);
    assert_eq!(
        index.search(&OfferQuery::default(), false).unwrap().total,
        4
    );

    // A rebuild replaces everything.
    let n = index
        .rebuild(vec![offer("z", "Soudeur")].into_iter(), |_| {})
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(index.len(), 1);
    assert_eq!(
        ids(&index.search(&OfferQuery::default(), false).unwrap()),
        ["z"]
    );
    // Updates still work after a rebuild (and `soudeur` finds `Soudeuse` too).
    index.upsert(&[offer("y", "Soudeuse")]).unwrap();
    assert_eq!(index.search(&words("soudeur"), false).unwrap().total, 2);
    assert_eq!(index.len(), 2);
}

#[test]
fn index_on_disk_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = OfferIndex::open_or_create(dir.path()).unwrap();
        index
            .upsert(&[offer("a", "Boulanger"), offer("b", "Maçon")])
            .unwrap();
    }
    let index = OfferIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&index.search(&words("macon"), false).unwrap()), ["b"]);
    let near = OfferQuery {
        center: Some((48.11198, -1.67429)),
        radius_km: Some(1.0),
        ..Default::default()
    };
    assert_eq!(index.search(&near, false).unwrap().total, 2);
}

#[test]
fn index_of_another_analyzer_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = OfferIndex::open_or_create(dir.path()).unwrap();
        index.upsert(&[offer("a", "Boulangers")]).unwrap();
    }
    // Written by the analyzer before plurals in -ers met their singular.
    std::fs::write(dir.path().join("analyzer-version"), "1").unwrap();
    let index = OfferIndex::open_or_create(dir.path()).unwrap();
    assert!(index.is_empty(), "rebuilt from the database instead");
    index.upsert(&[offer("a", "Boulangers")]).unwrap();
    assert_eq!(
        ids(&index.search(&words("boulanger"), false).unwrap()),
        ["a"]
    );
}

#[test]
fn index_of_another_schema_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = tantivy::schema::Schema::builder();
        builder.add_text_field("something_else", tantivy::schema::STRING);
        tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
    }
    let index = OfferIndex::open_or_create(dir.path()).unwrap();
    assert!(index.is_empty());
    index.upsert(&[offer("a", "Boulanger")]).unwrap();
    assert_eq!(index.len(), 1);
}

/// Brute-force version of the non-text part of a query.
fn matches(o: &OfferDoc, q: &OfferQuery) -> bool {
    (q.rome.is_empty() || q.rome.contains(&o.rome_code))
        && q.naf_division
            .as_ref()
            .is_none_or(|n| o.naf_division.as_ref() == Some(n))
        && q.department.as_ref().is_none_or(|d| &o.department == d)
        && q.contract_type
            .as_ref()
            .is_none_or(|c| &o.contract_type == c)
        && q.level.is_none_or(|l| o.level == l)
        && q.start_after.is_none_or(|s| o.start_date >= s)
        && match (q.center, q.radius_km) {
            (Some(c), Some(r)) => match (o.lat, o.lon) {
                (Some(lat), Some(lon)) => haversine_km(c, (lat, lon)) <= r,
                _ => false,
            },
            _ => true,
        }
}

fn brute_force(q: &OfferQuery) -> Vec<&'static OfferDoc> {
    sample_offers().iter().filter(|o| matches(o, q)).collect()
}

fn distance(center: (f64, f64), o: &OfferDoc) -> f64 {
    haversine_km(center, (o.lat.unwrap(), o.lon.unwrap()))
}

#[test]
fn radius_totals_and_distance_order_match_brute_force() {
    let index = sample_index();
    let offers = sample_offers();
    let mut rng = StdRng::seed_from_u64(20261122);
    for i in 0..150 {
        let center = if i % 3 == 0 {
            // Anywhere in metropolitan France.
            (rng.random_range(42.0..51.2), rng.random_range(-5.0..8.3))
        } else {
            // Near an offer.
            let o = &offers[rng.random_range(0..offers.len())];
            (
                o.lat.unwrap() + rng.random_range(-0.2..0.2),
                o.lon.unwrap() + rng.random_range(-0.2..0.2),
            )
        };
        let radius = match i % 5 {
            0 => rng.random_range(0.0..2.0),
            1 => rng.random_range(2.0..20.0),
            2 => rng.random_range(20.0..80.0),
            3 => rng.random_range(80.0..400.0),
            // Exactly the distance to some offer: it must be inside.
            _ => distance(center, &offers[rng.random_range(0..offers.len())]),
        };
        let q = OfferQuery {
            center: Some(center),
            radius_km: Some(radius),
            sort: Sort::Distance,
            limit: 15,
            ..Default::default()
        };
        let result = index.search(&q, false).unwrap();
        let mut expected = brute_force(&q);
        assert_eq!(result.total, expected.len() as u64, "{center:?} {radius}");
        expected.sort_by(|a, b| distance(center, a).total_cmp(&distance(center, b)));
        assert_eq!(result.hits.len(), expected.len().min(15));
        for (hit, want) in result.hits.iter().zip(&expected) {
            let d = hit.distance_km.unwrap();
            assert!(d <= radius);
            let want_d = distance(center, want);
            assert!((d - want_d).abs() < 1e-9, "{d} vs {want_d}");
        }
        // Sorted by date, the same offers are inside.
        let by_date = OfferQuery {
            sort: Sort::Date,
            ..q.clone()
        };
        assert_eq!(index.search(&by_date, false).unwrap().total, result.total);
    }
}

#[test]
fn radius_with_filters_and_words() {
    let index = sample_index();
    let paris = (48.85341, 2.3488);
    for radius in [5.0, 30.0, 120.0] {
        let q = OfferQuery {
            center: Some(paris),
            radius_km: Some(radius),
            contract_type: Some("apprentissage".into()),
            level: Some(3),
            rome: vec!["D1115".into(), "M1607".into(), "K2204".into()],
            ..Default::default()
        };
        assert_eq!(
            index.search(&q, false).unwrap().total,
            brute_force(&q).len() as u64
        );
        let q = OfferQuery {
            rome: Vec::new(),
            ..q
        };
        assert_eq!(
            index.search(&q, false).unwrap().total,
            brute_force(&q).len() as u64
        );
        // With words, every hit is inside and contains the word.
        let q = OfferQuery {
            q: Some("apprentissage".into()),
            center: Some(paris),
            radius_km: Some(radius),
            limit: 1000,
            ..Default::default()
        };
        let result = index.search(&q, false).unwrap();
        let expected = brute_force(&q)
            .iter()
            .filter(|o| {
                o.title.contains("apprentissage") || o.description.contains("apprentissage")
            })
            .count();
        assert_eq!(result.total, expected as u64);
        assert!(result.hits.iter().all(|h| h.distance_km.unwrap() <= radius));
        assert!(result.hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn offers_without_position_never_match_a_radius() {
    let index = OfferIndex::in_memory().unwrap();
    let mut nowhere = offer("nowhere", "Boulanger");
    nowhere.lat = None;
    nowhere.lon = None;
    let rennes = offer("rennes", "Boulanger");
    index.upsert(&[nowhere, rennes]).unwrap();
    let q = OfferQuery {
        center: Some((48.11198, -1.67429)),
        radius_km: Some(20_000.0),
        sort: Sort::Distance,
        ..Default::default()
    };
    assert_eq!(ids(&index.search(&q, false).unwrap()), ["rennes"]);
    // Sorted by distance without a radius: last, without a distance.
    let q = OfferQuery {
        radius_km: None,
        ..q
    };
    let result = index.search(&q, false).unwrap();
    assert_eq!(ids(&result), ["rennes", "nowhere"]);
    assert_eq!(result.hits[1].distance_km, None);
}

#[test]
fn filter_totals_match_brute_force() {
    let index = sample_index();
    let offers = sample_offers();
    let mut rng = StdRng::seed_from_u64(99);
    for i in 0..120 {
        let o = &offers[rng.random_range(0..offers.len())];
        let other = &offers[rng.random_range(0..offers.len())];
        let mut q = OfferQuery {
            sort: Sort::Date,
            ..Default::default()
        };
        if i % 2 == 0 {
            q.department = Some(o.department.clone());
        }
        if i % 3 == 0 {
            q.contract_type = Some(o.contract_type.clone());
        }
        if i % 4 < 2 {
            q.level = Some(o.level);
        }
        if i % 5 < 2 {
            q.start_after = Some(o.start_date);
        }
        if i % 7 < 3 {
            q.rome = vec![o.rome_code.clone(), other.rome_code.clone()];
            q.rome.truncate(1 + i % 2);
        }
        if i % 11 == 0 {
            q.naf_division = o.naf_division.clone();
        }
        let result = index.search(&q, true).unwrap();
        let expected = brute_force(&q);
        assert_eq!(result.total, expected.len() as u64, "{q:?}");
        // Most recent first, ties by id.
        let mut sorted = expected.clone();
        sorted.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.id.cmp(&b.id)));
        let want: Vec<&str> = sorted.iter().take(20).map(|o| o.id.as_str()).collect();
        assert_eq!(ids(&result), want, "{q:?}");
    }
    // Unknown values match nothing.
    let q = OfferQuery {
        department: Some("00".into()),
        ..Default::default()
    };
    assert_eq!(index.search(&q, false).unwrap().total, 0);
}

#[test]
fn date_order_pagination_and_ties() {
    let index = OfferIndex::in_memory().unwrap();
    let mut docs = Vec::new();
    for (id, day) in [("c", 3), ("a", 1), ("b", 3), ("d", 2), ("e", 3)] {
        let mut o = offer(id, "Serveur");
        o.published_at = published(&format!("2026-06-0{day} 08:00:00"));
        docs.push(o);
    }
    index.upsert(&docs).unwrap();
    let mut q = OfferQuery {
        sort: Sort::Date,
        ..Default::default()
    };
    assert_eq!(
        ids(&index.search(&q, false).unwrap()),
        ["b", "c", "e", "d", "a"]
    );
    // Relevance with equal scores: most recent first too.
    q.sort = Sort::Relevance;
    q.q = Some("serveur".into());
    assert_eq!(
        ids(&index.search(&q, false).unwrap()),
        ["b", "c", "e", "d", "a"]
    );
    q.offset = 2;
    q.limit = 2;
    let page = index.search(&q, false).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(ids(&page), ["e", "d"]);
    q.offset = 10;
    assert!(index.search(&q, false).unwrap().hits.is_empty());
    q.offset = 0;
    q.limit = 0;
    let count_only = index.search(&q, false).unwrap();
    assert_eq!((count_only.total, count_only.hits.len()), (5, 0));
}

#[test]
fn distance_order_nearest_first() {
    let index = sample_index();
    let center = (45.764, 4.8357); // Lyon
    let q = OfferQuery {
        center: Some(center),
        sort: Sort::Distance,
        limit: 50,
        ..Default::default()
    };
    let result = index.search(&q, false).unwrap();
    assert_eq!(result.total, 2000);
    assert_eq!(result.hits.len(), 50);
    let d: Vec<f64> = result.hits.iter().map(|h| h.distance_km.unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1] + 1e-9), "{d:?}");
    let nearest = sample_offers()
        .iter()
        .map(|o| distance(center, o))
        .fold(f64::INFINITY, f64::min);
    assert!((d[0] - nearest).abs() < 1e-9);
}

#[test]
fn facets_count_every_match() {
    let index = sample_index();
    let q = OfferQuery {
        center: Some((43.29695, 5.38107)),
        radius_km: Some(60.0),
        limit: 5,
        ..Default::default()
    };
    let result = index.search(&q, true).unwrap();
    let expected = brute_force(&q);
    assert_eq!(result.total, expected.len() as u64);
    let facets = result.facets.unwrap();
    let count = |f: &dyn Fn(&OfferDoc) -> bool| expected.iter().filter(|o| f(o)).count() as u64;
    for (contract, n) in &facets.contract_type {
        assert_eq!(*n, count(&|o| &o.contract_type == contract));
    }
    for (level, n) in &facets.level {
        assert_eq!(*n, count(&|o| o.level == *level));
    }
    for (department, n) in &facets.department {
        assert_eq!(*n, count(&|o| &o.department == department));
    }
    let sum = |v: &[(String, u64)]| v.iter().map(|x| x.1).sum::<u64>();
    assert_eq!(sum(&facets.contract_type), result.total);
    assert_eq!(sum(&facets.department), result.total);
    assert_eq!(facets.level.iter().map(|x| x.1).sum::<u64>(), result.total);
    assert!(facets.department.windows(2).all(|w| w[0].1 >= w[1].1));
    // Without facets asked, none.
    assert!(index.search(&q, false).unwrap().facets.is_none());
}

#[test]
fn words_totals_match_a_naive_scan() {
    let index = sample_index();
    let mut analyzer = analyzer::french_analyzer();
    let offer_terms: Vec<Vec<String>> = sample_offers()
        .iter()
        .map(|o| {
            let text = format!("{} {} {}", o.title, o.description, o.company_name);
            analyzer::terms(&mut analyzer, &text)
        })
        .collect();
    for q in [
        "cuisinier",
        "maçon",
        "coiffure cuisinier",
        "l'hôtel",
        "mise en rayon",
    ] {
        let terms = analyzer::terms(&mut analyzer, q);
        let expected = offer_terms
            .iter()
            .filter(|all| terms.iter().all(|t| all.contains(t)))
            .count();
        let result = index.search(&words(q), false).unwrap();
        assert_eq!(result.total, expected as u64, "{q}");
        assert!(result.hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn department_codes() {
    assert_eq!(department_of("35238"), "35");
    assert_eq!(department_of("2A004"), "2A");
    assert_eq!(department_of("97411"), "974");
}

#[test]
fn index_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<OfferIndex>();
}
