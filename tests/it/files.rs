//! Files are kept in the database: any node serves any CV, none lives on one node's disk, an
//! upgrade moves the CVs an earlier version kept on disk, and erasure takes the bytes.

use axum::http::StatusCode;
use diesel::prelude::*;

use crate::both_backends;
use crate::candidates::{fill_profile, pdf, stored_cvs};
use crate::helpers::TestApp;

both_backends!(
    a_cv_uploaded_on_one_node_downloads_on_another,
    cv_files_of_the_old_layout_move_into_the_database_at_start,
    stored_files_keep_their_limit_and_their_checksum
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";

async fn a_cv_uploaded_on_one_node_downloads_on_another(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "mon-cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // A second node on the same database, with a data folder of its own.
    let other = app.another_node(|_| {}).await;
    let mut there = other.login_as(CANDIDATE).await;
    let cv = there.get("/profil/cv").await;
    cv.assert_status(StatusCode::OK);
    assert_eq!(cv.bytes, pdf());
    let export = there.get("/profil/export").await.json();
    assert!(export["cv_pdf_base64"].is_string(), "{export}");

    // Replaced through the second node: the first serves the new one, the old bytes are gone.
    let mut second = pdf();
    second.extend_from_slice(b"\n% seconde version\n");
    there.get("/profil").await;
    there
        .post_file("/profil/cv", "cv", "nouveau.pdf", &second)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(stored_cvs(&app).await, 1, "the replaced CV is deleted");
    assert_eq!(candidate.get("/profil/cv").await.bytes, second);
    for folder in [&app.state.config.data_dir, &other.state.config.data_dir] {
        assert!(!folder.join("cv").exists(), "no CV on a node's disk");
    }

    // Deleted through the first node: gone for both.
    candidate.get("/profil").await;
    candidate
        .post_form("/profil/cv/supprimer", &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(stored_cvs(&app).await, 0);
    there
        .get("/profil/cv")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!id.is_empty());
}

async fn cv_files_of_the_old_layout_move_into_the_database_at_start(app: TestApp) {
    use passerelle::db::schema::candidate_profiles;
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    // As an earlier version left it: the file on the node's disk, its name in the profile.
    let name = format!("{}.pdf", passerelle::db::new_id());
    let (user, named) = (id.clone(), name.clone());
    let size = pdf().len() as i64;
    app.state
        .db
        .run(move |conn| {
            diesel::update(candidate_profiles::table.find(&user))
                .set((
                    candidate_profiles::cv_file.eq(&named),
                    candidate_profiles::cv_original_name.eq("ancien-cv.pdf"),
                    candidate_profiles::cv_size.eq(size),
                    candidate_profiles::cv_uploaded_at.eq(passerelle::db::now()),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let leftover = format!("{}.pdf", passerelle::db::new_id());
    let upgraded = app
        .another_node(|dir| {
            let cv = dir.join("cv");
            std::fs::create_dir_all(&cv).unwrap();
            std::fs::write(cv.join(&name), pdf()).unwrap();
            std::fs::write(cv.join(&leftover), b"%PDF-1.4 reste d'une suppression").unwrap();
        })
        .await;
    assert!(
        !upgraded.state.config.data_dir.join("cv").exists(),
        "the files left the disk"
    );
    assert_eq!(stored_cvs(&app).await, 1, "the named file only");
    // Any node serves it now, with its metadata unchanged.
    let own = candidate.get("/profil/cv").await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.bytes, pdf());
    assert!(candidate.get("/profil").await.contains("ancien-cv.pdf"));
    // Starting again finds nothing more to move.
    let again = app.another_node(|_| {}).await;
    assert_eq!(stored_cvs(&again).await, 1);
}

async fn stored_files_keep_their_limit_and_their_checksum(app: TestApp) {
    use passerelle::db::files::{self, NewFile};
    let (id, refused, ceiling) = app
        .state
        .db
        .tx(|conn| {
            let new = |bytes: &'static [u8], limit| NewFile {
                kind: "essai",
                content_type: "text/plain",
                bytes,
                limit,
                too_large: "Trop gros.",
            };
            let id = files::insert(conn, &new(b"0123456789", 10))?;
            let refused = files::insert(conn, &new(b"0123456789!", 10)).unwrap_err();
            // Whatever a kind allows, no file is larger than the ceiling.
            let big: &'static [u8] = Box::leak(vec![0u8; files::MAX_BYTES + 1].into_boxed_slice());
            let ceiling = files::insert(conn, &new(big, usize::MAX)).unwrap_err();
            Ok((id, refused, ceiling))
        })
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.message(), "Trop gros.");
    assert_eq!(ceiling.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let read = id.clone();
    let file = app
        .state
        .db
        .run(move |conn| files::get(conn, &read))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(file.bytes, b"0123456789");
    assert_eq!(file.size, 10);
    assert_eq!(file.sha256, files::sha256(b"0123456789"));
    assert_eq!(
        app.state
            .db
            .run(|conn| files::count(conn, "essai"))
            .await
            .unwrap(),
        1
    );
    // Bytes changed behind the application's back are never served.
    let tampered = id.clone();
    app.state
        .db
        .run(move |conn| {
            diesel::update(passerelle::db::schema::stored_files::table.find(&tampered))
                .set(passerelle::db::schema::stored_files::bytes.eq(b"9876543210".to_vec()))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let gone = id.clone();
    assert!(
        app.state
            .db
            .run(move |conn| files::get(conn, &gone))
            .await
            .is_err()
    );
    let deleted = id.clone();
    assert!(
        app.state
            .db
            .run(move |conn| files::delete(conn, &deleted))
            .await
            .unwrap()
    );
    assert!(
        !app.state
            .db
            .run(move |conn| files::exists(conn, &id))
            .await
            .unwrap()
    );
}
