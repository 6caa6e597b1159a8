//! The fuzzers' findings kept as tests: every file of `fuzz/corpus/<target>/` (the minimised
//! corpus) and `fuzz/regressions/<target>/` (inputs that once crashed) goes through the same
//! function as the fuzz target (`passerelle::fuzzing`), which must return without a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use passerelle::fuzzing::TARGETS;

/// The files of one folder, sorted (none if it does not exist).
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("folder entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_is_read_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failed = Vec::new();
    for (name, target) in TARGETS {
        let corpus = files(&fuzz.join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "no corpus for the fuzz target {name} in fuzz/corpus/{name}"
        );
        let regressions = files(&fuzz.join("regressions").join(name));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).expect("input file");
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "inputs that panic: {failed:#?}");
}

#[test]
fn every_fuzz_target_is_declared_and_tested() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut declared: Vec<String> = files(&fuzz.join("fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    declared.sort();
    let mut tested: Vec<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    tested.sort();
    assert_eq!(declared, tested);
    for name in &declared {
        let source = std::fs::read_to_string(fuzz.join("fuzz_targets").join(format!("{name}.rs")))
            .expect("fuzz target source");
        assert!(
            source.contains(&format!("passerelle::fuzzing::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs does not call passerelle::fuzzing::{name}"
        );
    }
}
