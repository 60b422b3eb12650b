//! The variables Kubernetes sets in every pod of a namespace for each
//! Service (`<NAME>_SERVICE_HOST`, `<NAME>_PORT=tcp://..`): told apart from
//! configuration, so an app named like a Service (or like the Services of
//! its parts: `myapp-db`) starts, and said once.

use crate::error::{Problem, ProblemKind};

/// Whether `rest`, a variable's name after the prefix, with `value` is one
/// of the variables Kubernetes sets in every pod for a Service whose name
/// is the prefix and then `stem`: `<STEM>_SERVICE_HOST`,
/// `<STEM>_SERVICE_PORT`, `<STEM>_SERVICE_PORT_<NAME>`,
/// `<STEM>_PORT=tcp://<ip>:<port>`, `<STEM>_PORT_<port>_<PROTO>` and its
/// `_PROTO`, `_PORT` and `_ADDR`. Gives the stem (`""` for the Service
/// named like the prefix, `"DB"` for `myapp-db`).
pub(super) fn service_link<'r>(rest: &'r str, value: &str) -> Option<&'r str> {
    // The stem before a word of the name, which starts the name or a word.
    let stem = |at: usize| match at {
        0 => Some(""),
        _ => rest[..at].strip_suffix('_').filter(|s| !s.is_empty()),
    };
    if let Some(at) = rest.rfind("SERVICE_") {
        let after = &rest[at + "SERVICE_".len()..];
        if after == "HOST" || after == "PORT" || after.starts_with("PORT_") {
            if let Some(stem) = stem(at) {
                return Some(stem);
            }
        }
    }
    if let Some(before) = rest.strip_suffix("PORT") {
        if port_url(value) {
            return stem(before.len());
        }
    }
    rest.match_indices("PORT_").find_map(|(at, _)| {
        let mut parts = rest[at + "PORT_".len()..].splitn(3, '_');
        let number = parts.next().unwrap_or("");
        let proto = parts.next().unwrap_or("");
        let what = parts.next();
        let shape = !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && matches!(proto, "TCP" | "UDP" | "SCTP")
            && matches!(what, None | Some("PROTO" | "PORT" | "ADDR"));
        shape.then(|| stem(at)).flatten()
    })
}

/// Whether `value` is the `tcp://<ip>:<port>` (or `udp://`, `sctp://`)
/// that Kubernetes sets in `<NAME>_PORT`: never a port number or any other
/// setting of a field named `port`.
pub(super) fn port_url(value: &str) -> bool {
    ["tcp://", "udp://", "sctp://"]
        .iter()
        .any(|scheme| value.strip_prefix(scheme).is_some_and(|a| a.contains(':')))
}

/// One problem for every service-link variable found, with the fix: each
/// variable with the stem of its Service's name.
pub(super) fn service_links(links: &[(&str, &str)], prefix: &str) -> Problem {
    let app = prefix.trim_end_matches('_');
    let mut services: Vec<String> = Vec::new();
    for (_, stem) in links {
        let name = match (app.is_empty(), stem.is_empty()) {
            (_, true) => app.to_owned(),
            (true, false) => stem.to_string(),
            (false, false) => format!("{app}_{stem}"),
        };
        let name = format!("`{}`", name.to_ascii_lowercase().replace('_', "-"));
        if !services.contains(&name) {
            services.push(name);
        }
    }
    let vars: Vec<&str> = links.iter().map(|(var, _)| *var).collect();
    let (what, are) = match vars.as_slice() {
        [_] => ("variable", "is a Kubernetes service link"),
        _ => ("variables", "are Kubernetes service links"),
    };
    let whose = match services.as_slice() {
        [one] => format!("a Service named {one}"),
        _ => format!("the Services named {}", services.join(", ")),
    };
    Problem::new(
        ProblemKind::Unknown,
        format!(
            "environment {what} {} {are} for {whose}, not configuration; ignored",
            vars.join(", ")
        ),
    )
    .with_help(
        "set `enableServiceLinks: false` in the pod spec, or read the configuration under \
         another prefix (Builder::env_prefix)",
    )
}
