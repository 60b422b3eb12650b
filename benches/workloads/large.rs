//! The large workload's text, also read by the TOML reader's unit tests
//! (`core/src/format/toml/tests.rs`).

/// 1000 `[routes.rNNNN]` tables of 6 keys each, about 190 KB.
pub fn large_text() -> String {
    let mut text = String::with_capacity(200_000);
    for i in 0..1000 {
        text.push_str(&format!(
            "[routes.r{i:04}]\n\
             path = \"/api/v1/customers/{i:04}/orders/items\"\n\
             upstream = \"http://orders-backend-{}.internal.example.com:8080/v1\"\n\
             timeout_ms = {}\n\
             retries = {}\n\
             methods = [\"GET\", \"POST\", \"PUT\", \"DELETE\"]\n\
             enabled = {}\n\n",
            i % 16,
            1000 + i * 7 % 9000,
            i % 5,
            i % 3 != 0
        ));
    }
    text
}
