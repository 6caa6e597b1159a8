// Marks which optional test suites this build runs, so that a suite that cannot run is
// reported as ignored with its reason (never silently passed).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rustc-check-cfg=cfg(browser_tests)");
    println!("cargo::rerun-if-env-changed=PASSERELLE_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=PASSERELLE_TEST_BROWSER");
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var("PASSERELLE_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
    if std::env::var("PASSERELLE_TEST_BROWSER").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=browser_tests");
    }
}
