use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    openapi_document_is_valid_openapi_3_1,
    api_calls_without_credentials_get_401_not_csrf,
);

/// The official OpenAPI 3.1 schema, vendored (see tests/data/openapi/README.md).
const OAS_31_SCHEMA: &str = include_str!("../data/openapi/oas-3.1-schema-2022-10-07.json");

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every `$ref` string in a JSON value, with where it was found.
fn refs<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => found.push((at.clone(), target)),
                    _ => refs(child, format!("{at}/{key}"), found),
                }
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                refs(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// Follows a local JSON pointer reference (`#/components/schemas/X`).
fn resolve<'a>(doc: &'a Value, target: &str) -> Option<&'a Value> {
    let pointer = target.strip_prefix('#')?;
    doc.pointer(pointer)
}

async fn openapi_document_is_valid_openapi_3_1(app: TestApp) {
    let mut c = app.client();
    let response = c.get("/api/openapi.json").await;
    response.assert_status(StatusCode::OK);
    let doc = response.json();

    // Structure: the official schema of OpenAPI 3.1 documents, formats included.
    let schema: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the OpenAPI 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} OpenAPI errors:\n{}",
        errors.len(),
        errors.join("\n")
    );

    // Schema Objects are JSON Schema 2020-12 (the 3.1 dialect adds only annotations).
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(!schemas.is_empty());
    for (name, schema) in schemas {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("schema {name} is not JSON Schema 2020-12: {e}");
        }
    }

    // Every reference resolves inside the document.
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(found.len() > 100, "{} references only", found.len());
    let dangling: Vec<String> = found
        .iter()
        .filter(|(_, target)| resolve(&doc, target).is_none())
        .map(|(at, target)| format!("{at} → {target}"))
        .collect();
    assert!(
        dangling.is_empty(),
        "dangling $ref:\n{}",
        dangling.join("\n")
    );

    // Operation ids are unique, and every response says what it means.
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut undescribed = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            operations += 1;
            let where_ = format!("{} {path}", method.to_uppercase());
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{where_} has no operationId"));
            ids.entry(id).or_default().push(where_.clone());
            let responses = operation["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{where_} has no response");
            for (status, response) in responses {
                let response = match response.get("$ref").and_then(Value::as_str) {
                    Some(target) => resolve(&doc, target).unwrap(),
                    None => response,
                };
                if response["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    undescribed.push(format!("{where_} {status}"));
                }
                // Error answers carry the shared error body.
                if status.starts_with('4') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{where_} {status}"
                    );
                }
            }
            // Whoever needs a token may be refused one.
            if operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty())
            {
                assert!(responses.contains_key("401"), "{where_} lacks 401");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{where_} lacks 404");
            }
        }
    }
    assert!(operations > 80, "{operations} operations only");
    let shared: Vec<String> = ids
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(id, at)| format!("{id}: {}", at.join(", ")))
        .collect();
    assert!(
        shared.is_empty(),
        "shared operationIds:\n{}",
        shared.join("\n")
    );
    assert!(
        undescribed.is_empty(),
        "responses without description:\n{}",
        undescribed.join("\n")
    );
}

async fn api_calls_without_credentials_get_401_not_csrf(app: TestApp) {
    let app = app.with_demo().await;
    // A program calling without any credentials: nothing to forge, authentication decides.
    let mut anonymous = app.client();
    for (method, path, body) in [
        ("POST", "/api/v1/offers", "{}"),
        ("PUT", "/api/v1/me/profile", "{}"),
        ("DELETE", "/api/v1/saved-searches/inconnue", ""),
        ("POST", "/api/v1/helpline/requests", "{}"),
    ] {
        let r = anonymous
            .send(method, path, "application/json", body.into())
            .await;
        r.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["code"], "unauthorized", "{method} {path}");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("Authentification requise")
        );
    }
    assert!(!anonymous.has_session());

    // A signed-in browser session still needs its CSRF token for a state change.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let r = recruiter
        .send("POST", "/api/v1/offers", "application/json", "{}".into())
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf");
}
