//! Structured logs (tracing) and Prometheus metrics.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Logs to stderr; `PASSERELLE_LOG` (or `RUST_LOG`) filters, `PASSERELLE_LOG_FORMAT=json`
/// gives one JSON object per line.
pub fn init_logs() {
    let filter = std::env::var("PASSERELLE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,tower_http=info,libunftp=warn".to_owned());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var("PASSERELLE_LOG_FORMAT").as_deref() == Ok("json") {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// How often the recorder drains what histograms recorded since (see [`metrics_handle`]).
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// The process-wide metrics recorder (installed once, shared by every app in the process).
/// Histograms keep every sample until they are drained: a thread drains them every 5 s, so
/// that memory stays flat when nothing scrapes `/metrics` (it grew by about 1 MiB a minute
/// under the soak of `scripts/bench-http` before).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            let upkeep = handle.clone();
            let started = std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP);
                        upkeep.run_upkeep();
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "metrics upkeep not started: histograms grow until scraped");
            }
            handle
        })
        .clone()
}
