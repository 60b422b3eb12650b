//! The variables Kubernetes sets in every pod of a namespace for each
//! Service (`<NAME>_SERVICE_HOST`, `<NAME>_PORT=tcp://..`): told apart from
//! configuration, so an app named like a Service starts, and said once.

use crate::error::{Problem, ProblemKind};

/// Whether `rest`, a variable's name after the prefix, with `value` is one
/// of the variables Kubernetes sets in every pod for a Service whose name
/// is the prefix: `SERVICE_HOST`, `SERVICE_PORT`, `SERVICE_PORT_<NAME>`,
/// `PORT=tcp://<ip>:<port>`, `PORT_<port>_<PROTO>` and its `_PROTO`,
/// `_PORT` and `_ADDR`.
pub(super) fn service_link(rest: &str, value: &str) -> bool {
    let url = |v: &str| {
        ["tcp://", "udp://", "sctp://"]
            .iter()
            .any(|scheme| v.strip_prefix(scheme).is_some_and(|a| a.contains(':')))
    };
    if rest == "SERVICE_HOST" || rest == "SERVICE_PORT" || rest.starts_with("SERVICE_PORT_") {
        return true;
    }
    if rest == "PORT" {
        return url(value);
    }
    let Some(after) = rest.strip_prefix("PORT_") else {
        return false;
    };
    let mut parts = after.splitn(3, '_');
    let number = parts.next().unwrap_or("");
    let proto = parts.next().unwrap_or("");
    let what = parts.next();
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && matches!(proto, "TCP" | "UDP" | "SCTP")
        && matches!(what, None | Some("PROTO" | "PORT" | "ADDR"))
}

/// One problem for every service-link variable found, with the fix.
pub(super) fn service_links(vars: &[&str], prefix: &str) -> Problem {
    let service = prefix
        .trim_end_matches('_')
        .to_ascii_lowercase()
        .replace('_', "-");
    let (what, are) = match vars {
        [_] => ("variable", "is a Kubernetes service link"),
        _ => ("variables", "are Kubernetes service links"),
    };
    Problem::new(
        ProblemKind::Unknown,
        format!(
            "environment {what} {} {are} for a Service named `{service}`, not configuration; ignored",
            vars.join(", ")
        ),
    )
    .with_help(
        "set `enableServiceLinks: false` in the pod spec, or read the configuration under \
         another prefix (Builder::env_prefix)",
    )
}
